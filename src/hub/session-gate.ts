// PGlite's one session, lent to one connection of the database front (pg-front.ts) at a time.
// Pure: no I/O. May import nothing.

/**
 * Times a background request may be passed over by later interactive ones before it is served
 * in its turn anyway: the ingester is never starved by a stream of readers.
 */
export const MAX_BACKGROUND_PASSES = 4;

/**
 * PGlite's one session, lent to one connection at a time. pglite-socket (0.2.17) queues each
 * message on its own and keeps a connection's messages together only while a transaction is
 * open, so the Parse/Bind/Execute/Sync of two connections interleaved on the session: one got
 * the other's rows, or `portal "" does not exist` (electric-sql/pglite issue #1046). A
 * connection holds the gate from forwarding a whole request (up to and including its Query,
 * Sync or FunctionCall) until every request it forwarded has its ReadyForQuery and no
 * transaction is open; the others' requests wait in the front.
 *
 * Interactive requests (a chat user's history page) are served before background ones (the
 * hub's own ingester): a page that arrives while the ingester writes a batch waits for that one
 * transaction, not also for the next batch queued behind it (issue 12: a page during a burst took
 * p95 183 ms). A background request passed over {@link MAX_BACKGROUND_PASSES} times is served
 * next; otherwise first come first served.
 */
export class SessionGate {
	private holder: object | undefined;
	private readonly waiting: {owner: object; start: () => void; isBackground: boolean; passes: number}[] = [];

	/**
	 * @param onInteractiveRequest called on each interactive request (before it is granted or
	 *   queued): the hub's ingester keeps its transactions short while chat users read (ReaderSignal).
	 */
	constructor(private readonly onInteractiveRequest?: () => void) {}

	/** Whether `owner` holds the session. */
	holds(owner: object): boolean {
		return this.holder === owner;
	}

	/**
	 * Ask for the session; `start` runs (possibly at once) when granted. Ignored while `owner`
	 * holds or waits. `isBackground`: let interactive requests waiting now or later go first.
	 */
	request(owner: object, start: () => void, isBackground = false): void {
		if (!isBackground) this.onInteractiveRequest?.();
		if (this.holder === owner || this.waiting.some((w) => w.owner === owner)) return;
		this.waiting.push({owner, start, isBackground, passes: 0});
		this.grant();
	}

	/** Give the session back (or leave the line) and grant it to the next in line. */
	release(owner: object): void {
		if (this.holder === owner) this.holder = undefined;
		const index = this.waiting.findIndex((w) => w.owner === owner);
		if (index >= 0) this.waiting.splice(index, 1);
		this.grant();
	}

	private grant(): void {
		while (!this.holder && this.waiting.length > 0) {
			const first = this.waiting[0]!;
			let index = 0;
			if (first.isBackground && first.passes < MAX_BACKGROUND_PASSES) {
				const interactive = this.waiting.findIndex((w) => !w.isBackground);
				if (interactive > 0) {
					index = interactive;
					for (const w of this.waiting.slice(0, interactive)) w.passes++;
				}
			}
			const [next] = this.waiting.splice(index, 1);
			this.holder = next!.owner;
			next!.start();
		}
	}
}
