// "Have I reported this message already?" by conversation and seq (issue 11 outcome 5): the
// server stamps each delivery with `prev_seq` (protocol 2.1), so reporting message (seq s,
// prev p) also tells that no message of its conversation has a seq in (p, s). Pure: no imports.

/** `new`: report it; `repeat`: reported before, drop it; `unknown`: too old to remember, ask the store. */
export type SeqVerdict = 'new' | 'repeat' | 'unknown';

/** One conversation: what was reported, as ranges, and what was forgotten. */
interface Chain {
	/**
	 * Disjoint ranges (lo, hi] of seqs known reported, sorted, never touching (two ranges that
	 * touch — one's hi is the other's lo — are merged), as parallel arrays.
	 */
	lo: number[];
	hi: number[];
	/** Every forgotten range ended at or below this seq; -Infinity while none was. */
	floor: number;
}

/**
 * The seqs a client reported, per conversation, as ranges: message (seq `s`, `prev_seq` `p`)
 * covers (p, s] — `s` itself and the gap before it, which holds no message of that
 * conversation. Messages delivered in order merge into one range, so memory is the number of
 * *holes* (messages not delivered live), not of messages; a redelivery is recognised however
 * late it comes.
 *
 * Memory is capped at `maxRanges` ranges per conversation: past it the lowest range is
 * forgotten and the conversation's *floor* rises to its end, so a later delivery at or below
 * the floor that no remembered range covers is `unknown` rather than wrongly `new` — the
 * caller resolves it from the store (its own `delivered` receipt). Forgetting the lowest
 * range, rather than filling the oldest hole, keeps every answer true: filling a hole would
 * call `repeat` a message that was never reported, and it would be silently lost from the
 * live view. The lowest holes are also the least likely to be filled by a delivery now.
 * Memory: at most `2 × maxRanges` numbers per conversation seen in the run.
 */
export class SeqRanges {
	readonly #maxRanges: number;
	readonly #chains = new Map<string, Chain>();

	/** @param maxRanges ranges remembered per conversation (default 1,000; at least 1). */
	constructor(maxRanges = 1_000) {
		this.#maxRanges = Math.max(1, Math.floor(maxRanges));
	}

	/**
	 * Classify one delivery of `conversationId` and remember it as reported.
	 * @param seq the message's seq (a positive integer).
	 * @param prevSeq its `prev_seq` (0 ≤ prevSeq < seq); pass `seq - 1` when the server sent
	 *   none, which claims `seq` alone (exact, but it never merges across seqs of other conversations).
	 */
	check(conversationId: string, seq: number, prevSeq: number): SeqVerdict {
		let chain = this.#chains.get(conversationId);
		if (!chain) this.#chains.set(conversationId, (chain = {lo: [], hi: [], floor: -Infinity}));
		if (covers(chain, seq)) return 'repeat';
		const verdict = seq <= chain.floor ? 'unknown' : 'new';
		add(chain, Math.min(prevSeq, seq - 1), seq);
		if (chain.lo.length > this.#maxRanges) {
			chain.floor = Math.max(chain.floor, chain.hi[0]!);
			chain.lo.shift();
			chain.hi.shift();
		}
		return verdict;
	}

	/** Whether `seq` of `conversationId` is known reported (a remembered range covers it). */
	has(conversationId: string, seq: number): boolean {
		const chain = this.#chains.get(conversationId);
		return chain !== undefined && covers(chain, seq);
	}

	/** Ranges remembered, over all conversations (the memory used, in pairs of numbers). */
	get size(): number {
		let total = 0;
		for (const chain of this.#chains.values()) total += chain.lo.length;
		return total;
	}
}

/** Index of the first range whose hi is ≥ `value` (ranges.length when none). */
function firstEndingAtOrAfter(chain: Chain, value: number): number {
	let low = 0;
	let high = chain.hi.length;
	while (low < high) {
		const mid = (low + high) >>> 1;
		if (chain.hi[mid]! < value) low = mid + 1;
		else high = mid;
	}
	return low;
}

function covers(chain: Chain, seq: number): boolean {
	const i = firstEndingAtOrAfter(chain, seq);
	return i < chain.lo.length && chain.lo[i]! < seq;
}

/** Add (lo, hi], merging every range it overlaps or touches. */
function add(chain: Chain, lo: number, hi: number): void {
	const n = chain.lo.length;
	// The common case: in order, right after (or beyond) the last range.
	if (n === 0 || chain.hi[n - 1]! < lo) {
		chain.lo.push(lo);
		chain.hi.push(hi);
		return;
	}
	const first = firstEndingAtOrAfter(chain, lo);
	let last = first;
	let mergedLo = lo;
	let mergedHi = hi;
	while (last < n && chain.lo[last]! <= hi) {
		mergedLo = Math.min(mergedLo, chain.lo[last]!);
		mergedHi = Math.max(mergedHi, chain.hi[last]!);
		last++;
	}
	chain.lo.splice(first, last - first, mergedLo);
	chain.hi.splice(first, last - first, mergedHi);
}
