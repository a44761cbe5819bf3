// PGlite's one session, lent to one connection of the database front (pg-front.ts) at a time.
// Pure: no I/O. May import nothing.

/**
 * PGlite's one session, lent to one connection at a time. pglite-socket (0.2.17) queues each
 * message on its own and keeps a connection's messages together only while a transaction is
 * open, so the Parse/Bind/Execute/Sync of two connections interleaved on the session: one got
 * the other's rows, or `portal "" does not exist` (electric-sql/pglite issue #1046). A
 * connection holds the gate from forwarding a whole request (up to and including its Query,
 * Sync or FunctionCall) until every request it forwarded has its ReadyForQuery and no
 * transaction is open; the others' requests wait in the front, first come first served.
 */
export class SessionGate {
	private holder: object | undefined;
	private readonly waiting: {owner: object; start: () => void}[] = [];

	/** Whether `owner` holds the session. */
	holds(owner: object): boolean {
		return this.holder === owner;
	}

	/** Ask for the session; `start` runs (possibly at once) when granted. Ignored while `owner` holds or waits. */
	request(owner: object, start: () => void): void {
		if (this.holder === owner || this.waiting.some((w) => w.owner === owner)) return;
		this.waiting.push({owner, start});
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
			const next = this.waiting.shift()!;
			this.holder = next.owner;
			next.start();
		}
	}
}
