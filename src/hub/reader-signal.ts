// When a chat user last asked the embedded database for something, shared between the database's
// thread (whose front marks it) and the hub's thread (whose ingester sizes its batches by it).
// Pure over a SharedArrayBuffer and an injected clock. May import nothing.

/**
 * The time of the latest chat user's request to the database front, in ms of `now()`, in a
 * SharedArrayBuffer: the front on the database thread marks it (through `SessionGate`), the
 * hub's ingester on the main thread reads it without a message between the threads. A chat
 * user's history page waits for the ingester's transaction being written, so the ingester cuts
 * small batches while someone reads and full ones otherwise (issue 12).
 */
export class ReaderSignal {
	/** The shared memory: pass it to the other thread and wrap it there with `new ReaderSignal(buffer)`. */
	readonly buffer: SharedArrayBuffer;
	private readonly at: BigInt64Array;

	/**
	 * @param buffer 8 bytes shared with the other thread (default: new, never marked).
	 * @param now the clock in ms; both threads must use the same one (default Date.now).
	 */
	constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8), private readonly now: () => number = Date.now) {
		this.buffer = buffer;
		this.at = new BigInt64Array(buffer, 0, 1);
	}

	/** A chat user asked for the session now. */
	mark(): void {
		Atomics.store(this.at, 0, BigInt(Math.floor(this.now())));
	}

	/** Whether a chat user asked within the last `windowMs` ms (never: false). */
	isRecent(windowMs: number): boolean {
		const at = Atomics.load(this.at, 0);
		return at !== 0n && this.now() - Number(at) <= windowMs;
	}
}
