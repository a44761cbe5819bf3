import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {SeqRanges} from './seq-ranges.js';

describe('SeqRanges', () => {
	it('reports each seq of a conversation once; in-order deliveries merge into one range', () => {
		const seen = new SeqRanges();
		// Conversation c: seqs 3, 7, 12 (the global seq has gaps: other conversations in between).
		expect(seen.check('c', 3, 0)).toBe('new');
		expect(seen.check('c', 7, 3)).toBe('new');
		expect(seen.check('c', 12, 7)).toBe('new');
		expect(seen.size).toBe(1);
		for (const seq of [3, 7, 12]) expect(seen.check('c', seq, 0)).toBe('repeat');
		// The same seq in another conversation is another message.
		expect(seen.check('d', 7, 0)).toBe('new');
		expect(seen.size).toBe(2);
	});

	it('recognises a redelivery after 10,000 newer messages in one range (issue 11)', () => {
		const seen = new SeqRanges(3);
		let prev = 0;
		for (let seq = 5; seq <= 50_000; seq += 5) {
			expect(seen.check('c', seq, prev)).toBe('new');
			prev = seq;
		}
		expect(seen.size).toBe(1);
		expect(seen.check('c', 5, 0)).toBe('repeat');
		expect(seen.check('c', 25_000, 24_995)).toBe('repeat');
	});

	it('a hole stays open until its message comes, then closes', () => {
		const seen = new SeqRanges();
		seen.check('c', 10, 0);
		// Message 20 (prev 10) was lost live; 30 (prev 20) arrives.
		seen.check('c', 30, 20);
		expect(seen.size).toBe(2);
		expect(seen.has('c', 20)).toBe(false);
		expect(seen.check('c', 20, 10)).toBe('new');
		expect(seen.size).toBe(1);
		expect(seen.check('c', 20, 10)).toBe('repeat');
	});

	it('without prev_seq a seq claims only itself (exact; older servers)', () => {
		const seen = new SeqRanges();
		seen.check('c', 10, 9);
		expect(seen.has('c', 9)).toBe(false);
		expect(seen.check('c', 9, 8)).toBe('new');
		expect(seen.size).toBe(1);
	});

	it('past the cap forgets the lowest range: a seq at or below it is unknown, never new', () => {
		const seen = new SeqRanges(2);
		seen.check('c', 10, 9);
		seen.check('c', 20, 19);
		seen.check('c', 30, 29);
		expect(seen.size).toBe(2);
		expect(seen.check('c', 10, 9)).toBe('unknown');
		expect(seen.check('c', 5, 4)).toBe('unknown');
		expect(seen.check('c', 30, 29)).toBe('repeat');
		expect(seen.check('c', 40, 39)).toBe('new');
	});

	it('property: any deliveries (repeats, reorders, holes), any cap — never reported twice, never a delivered message missed, memory ≤ cap per conversation', () => {
		// A conversation's chain: increasing seqs with gaps (other conversations' seqs), prev = the one before.
		const chain = fc.array(fc.integer({min: 1, max: 4}), {minLength: 1, maxLength: 40}).map((gaps) => {
			let seq = 0;
			return gaps.map((gap) => {
				const prev = seq;
				seq += gap;
				return {seq, prev};
			});
		});
		const delivery = fc.record({conversation: fc.constantFrom('a', 'b'), index: fc.nat({max: 39}), hasPrev: fc.boolean()});
		fc.assert(
			fc.property(fc.integer({min: 1, max: 6}), chain, chain, fc.array(delivery, {maxLength: 300}), (cap, chainA, chainB, deliveries) => {
				const chains = {a: chainA, b: chainB};
				const seen = new SeqRanges(cap);
				const reported = new Set<string>();
				for (const {conversation, index, hasPrev} of deliveries) {
					const message = chains[conversation][index % chains[conversation].length]!;
					const key = `${conversation}/${message.seq}`;
					const verdict = seen.check(conversation, message.seq, hasPrev ? message.prev : message.seq - 1);
					// `unknown` is resolved by the store, which knows the truth (the delivered receipt).
					const isReported = verdict === 'new' || (verdict === 'unknown' && !reported.has(key));
					if (verdict === 'new') expect(reported.has(key), `${key} new twice`).toBe(false);
					if (verdict === 'repeat') expect(reported.has(key), `${key} called a repeat before it was reported`).toBe(true);
					if (isReported) reported.add(key);
					expect(seen.size).toBeLessThanOrEqual(2 * cap);
				}
				// Every message delivered at least once was reported (exactly once, by the Set).
				const delivered = new Set(deliveries.map(({conversation, index}) => `${conversation}/${chains[conversation][index % chains[conversation].length]!.seq}`));
				expect(reported).toEqual(delivered);
			}),
			{numRuns: 500},
		);
	});

	it('property: with a cap above the number of holes, nothing is ever unknown', () => {
		fc.assert(
			fc.property(fc.shuffledSubarray(Array.from({length: 60}, (_, i) => i + 1), {minLength: 1}), (order) => {
				const seen = new SeqRanges(1_000);
				for (const seq of order) expect(seen.check('c', seq * 2, seq * 2 - 2)).toBe('new');
				for (const seq of order) expect(seen.check('c', seq * 2, seq * 2 - 2)).toBe('repeat');
				expect(seen.size).toBeLessThanOrEqual(30);
			}),
		);
	});
});
