// Prepared statements for the hub's connections (chat users and the hub's own ingester), made by
// the database front (pg-front.ts) from their unnamed ones. Pure: no I/O. May import nothing.

/** Named statements kept on PGlite's session at most; past it, Parses go through unnamed. */
export const MAX_CACHED_STATEMENTS = 256;

/**
 * Statement names `hermes_s<n>`, shared by every connection of the front: PGlite is one session,
 * so one connection's named statement is every connection's. Keyed by (user, parameter types,
 * SQL text): the plan of a chat user's query depends on the role's row-level-security policies.
 * An entry is `pending` from its Parse until PGlite's ParseComplete (then `ready`), and dropped if
 * that Parse failed or was never run.
 */
export class StatementCache {
	private readonly entries = new Map<string, {name: string; isReady: boolean}>();
	private readonly keys = new Map<string, string>();
	private next = 0;

	constructor(private readonly capacity = MAX_CACHED_STATEMENTS) {}

	/** Statements ready or pending. */
	get size(): number {
		return this.entries.size;
	}

	/** The entry for `key`, if any. */
	get(key: string): {name: string; isReady: boolean} | undefined {
		return this.entries.get(key);
	}

	/** A new pending name for `key`, or undefined when the cache is full. Never reuses a name. */
	reserve(key: string): string | undefined {
		if (this.entries.size >= this.capacity) return undefined;
		const name = `hermes_s${this.next++}`;
		this.entries.set(key, {name, isReady: false});
		this.keys.set(name, key);
		return name;
	}

	/** PGlite created `name` (its ParseComplete came). */
	confirm(name: string): void {
		const entry = this.entries.get(this.keys.get(name) ?? '');
		if (entry?.name === name) entry.isReady = true;
	}

	/** `name` was not created (its Parse failed or never ran): its key may be tried again. */
	forget(name: string): void {
		const key = this.keys.get(name);
		this.keys.delete(name);
		if (key !== undefined && this.entries.get(key)?.name === name && !this.entries.get(key)!.isReady) this.entries.delete(key);
	}

	/** Forget everything (a client ran DEALLOCATE or DISCARD: the names may be gone). */
	clear(): void {
		this.entries.clear();
		this.keys.clear();
	}
}

/** A Parse of the empty query into the unnamed statement: answered by ParseComplete, costs nothing. */
const EMPTY_PARSE = Buffer.from([0x50, 0, 0, 0, 8, 0, 0, 0, 0]);
/** SQL that may drop prepared statements. */
const DROPS_STATEMENTS = /\b(deallocate|discard)\b/i;
/** Replies: ParseComplete, ReadyForQuery. */
const PARSE_COMPLETE = 0x31;
const READY_FOR_QUERY = 0x5a;

/**
 * One interactive connection's messages on their way to PGlite, whole messages out for bytes in.
 * A Parse of the unnamed statement becomes a Parse of a named one the first time (its user, types
 * and text as the key), and an empty Parse afterwards; the Bind and Describe that name the unnamed
 * statement then name that one. PGlite parses, rewrites (row-level security expands a chat user's
 * history query several-fold) and plans it once instead of on every call (issue 12: most of a
 * page's own time; for the ingester's batch, parsing and planning its two large statements were
 * ~30 % of a batch of 50 on PGlite). Replies are unchanged: a ParseComplete for every Parse. A Parse whose entry is
 * still pending, or with the cache full, goes through as it came. Told about each ParseComplete
 * and ReadyForQuery in order ({@link onReply}), it confirms or forgets its names.
 */
export class StatementRewriter {
	private parts: Buffer[] = [];
	private size = 0;
	/** Bytes of the message being collected (type byte included), once its header is in. */
	private need: number | undefined;
	/** The named statement standing for the client's unnamed one, if any. */
	private alias: string | undefined;
	/** Per request sent, in order: the names its Parses created (null: another Parse) and its end. */
	private readonly expected: Array<string | null | 'end'> = [];

	/** @param user the connection's user name (part of the key). */
	constructor(
		private readonly cache: StatementCache,
		private readonly user: string,
	) {}

	/**
	 * The StartupMessage (or another request answered by a ReadyForQuery) went on outside
	 * {@link push}: its ReadyForQuery must not close the next request's Parses.
	 */
	expectReady(): void {
		this.expected.push('end');
	}

	/** Take the next bytes (valid framing: the front's framer checked it); returns the whole messages, rewritten. */
	push(chunk: Buffer): Buffer {
		this.parts.push(chunk);
		this.size += chunk.length;
		const out: Buffer[] = [];
		for (;;) {
			if (this.need === undefined) {
				if (this.size < 5) break;
				this.need = 1 + this.take(5, false).readInt32BE(1);
			}
			if (this.size < this.need) break;
			const message = this.take(this.need, true);
			this.need = undefined;
			out.push(this.rewrite(message));
		}
		return out.length === 1 ? out[0]! : Buffer.concat(out);
	}

	/** A reply message type from PGlite, in order. */
	onReply(type: number): void {
		if (type === PARSE_COMPLETE) {
			const index = this.expected.findIndex((e) => e !== 'end');
			const [name] = index < 0 ? [] : this.expected.splice(index, 1);
			if (typeof name === 'string') this.cache.confirm(name);
		} else if (type === READY_FOR_QUERY) {
			// Parses of the request not answered: skipped after an error, their statements not made.
			for (let entry = this.expected.shift(); entry !== undefined && entry !== 'end'; entry = this.expected.shift()) {
				if (entry !== null) this.cache.forget(entry);
			}
		}
	}

	/** The connection closed: names it is still waiting for may be reserved again. */
	dispose(): void {
		for (const entry of this.expected.splice(0)) if (typeof entry === 'string') this.cache.forget(entry);
	}

	/** The first `n` collected bytes, removed when `remove`. */
	private take(n: number, remove: boolean): Buffer {
		if (this.parts[0]!.length < n) this.parts = [Buffer.concat(this.parts)];
		const first = this.parts[0]!;
		const bytes = first.subarray(0, n);
		if (remove) {
			if (first.length === n) this.parts.shift();
			else this.parts[0] = first.subarray(n);
			this.size -= n;
		}
		return bytes;
	}

	private rewrite(message: Buffer): Buffer {
		const type = String.fromCharCode(message[0]!);
		switch (type) {
			case 'P':
				return this.parse(message);
			case 'B': {
				const portalEnd = message.indexOf(0, 5);
				if (!this.alias || message[portalEnd + 1] !== 0) return message;
				return withMessageBody('B', [message.subarray(5, portalEnd + 1), cString(this.alias), message.subarray(portalEnd + 2)]);
			}
			case 'D':
			case 'C':
				if (message[5] !== 0x53 || message[6] !== 0) return message;
				if (type === 'C') {
					this.alias = undefined;
					return message;
				}
				return this.alias ? withMessageBody('D', [Buffer.from('S'), cString(this.alias)]) : message;
			case 'Q':
				// A simple Query replaces the unnamed statement.
				this.alias = undefined;
				if (DROPS_STATEMENTS.test(message.toString('utf8', 5))) this.cache.clear();
				this.expected.push('end');
				return message;
			case 'S':
			case 'F':
				this.expected.push('end');
				return message;
			default:
				return message;
		}
	}

	private parse(message: Buffer): Buffer {
		const nameEnd = message.indexOf(0, 5);
		const queryEnd = message.indexOf(0, nameEnd + 1);
		if (nameEnd < 0 || queryEnd < 0) {
			// Malformed: PGlite refuses it as it came.
			this.expected.push(null);
			return message;
		}
		const query = message.toString('utf8', nameEnd + 1, queryEnd);
		if (nameEnd !== 5) {
			// The client's own named statement: the unnamed one is untouched.
			this.expected.push(null);
			return message;
		}
		this.alias = undefined;
		if (DROPS_STATEMENTS.test(query)) {
			this.cache.clear();
			this.expected.push(null);
			return message;
		}
		const types = message.subarray(queryEnd + 1);
		const key = `${this.user}\0${types.toString('hex')}\0${query}`;
		const entry = this.cache.get(key);
		if (entry?.isReady) {
			this.alias = entry.name;
			this.expected.push(null);
			return EMPTY_PARSE;
		}
		const name = entry ? undefined : this.cache.reserve(key);
		this.expected.push(name ?? null);
		if (!name) return message;
		this.alias = name;
		return withMessageBody('P', [cString(name), message.subarray(nameEnd + 1)]);
	}
}

function cString(text: string): Buffer {
	return Buffer.from(`${text}\0`, 'utf8');
}

/** A message of `type` whose body is `parts` joined. */
function withMessageBody(type: string, parts: Buffer[]): Buffer {
	const length = 4 + parts.reduce((sum, part) => sum + part.length, 0);
	const head = Buffer.alloc(5);
	head.write(type, 0, 'latin1');
	head.writeInt32BE(length, 1);
	return Buffer.concat([head, ...parts]);
}
