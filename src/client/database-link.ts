// The client's view of PostgreSQL: one pool, its up/down state, a probe while it is down, and
// failures turned into one-line notices. May import store/ and log.
import type {Logger} from '../log.js';
import {CLIENT_SESSION, openDb, type Db} from '../store/db.js';

/** Database state, as in the status bar. */
export type DatabaseState = 'connecting' | 'up' | 'down';

/** Options for {@link DatabaseLink}. */
export interface DatabaseLinkOptions {
	databaseUrl: string;
	logger: Logger;
	/** Probe interval while down, in ms (default 5000). */
	probeEveryMs?: number;
	/** How long to wait for a connection, in ms (default 3000). */
	connectionTimeoutMs?: number;
	onStateChanged: (state: DatabaseState, detail: string) => void;
	/** An expected failure the user should see (one line, with what to do). */
	onNotice: (text: string) => void;
}

// SQLSTATE classes meaning "cannot talk to this database": connection exception, invalid
// authorization, invalid catalog name (no such database), insufficient resources, operator intervention.
const UNREACHABLE_CLASSES = /^(08|28|3D|53|57)/;

/** Whether `error` says the database cannot be reached (as opposed to a failed statement). */
export function isUnreachable(error: unknown): boolean {
	const code = (error as {code?: unknown})?.code;
	if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
	return UNREACHABLE_CLASSES.test(code);
}

/** A one-line description of a database failure, with what to do. */
export function describeFailure(what: string, error: unknown): string {
	const code = (error as {code?: unknown})?.code;
	const message = ((error as Error)?.message ?? String(error)).split('\n')[0];
	if (code === '42P01' || code === '42703') {
		return `could not ${what}: the database has no hermes-chat schema (${message}) — run: hermes-chat migrate`;
	}
	if (isUnreachable(error)) return `could not ${what}: database unreachable (${message}) — retrying in the background`;
	return `could not ${what}: ${message}`;
}

/**
 * Runs the client's reads and tracks whether PostgreSQL answers. Starts `connecting`, probes
 * at once, goes `up` on any success and `down` on any unreachable error, probing every
 * `probeEveryMs` until it answers again. Never throws.
 */
export class DatabaseLink {
	readonly #options: DatabaseLinkOptions;
	readonly #db: Db;
	#state: DatabaseState = 'connecting';
	#probeTimer: ReturnType<typeof setInterval> | undefined;
	#isClosed = false;
	readonly #busy = new Set<Promise<unknown>>();

	constructor(options: DatabaseLinkOptions) {
		this.#options = options;
		this.#db = openDb({
			databaseUrl: options.databaseUrl,
			applicationName: 'hermes-chat-client',
			connectionTimeoutMs: options.connectionTimeoutMs ?? 3_000,
			onError: (error) => this.#markDown(error),
			// jit = off for whichever role the URL names (the owner's or a legacy URL too).
			...CLIENT_SESSION,
		});
	}

	/** Whether the last contact with the database succeeded. */
	get isUp(): boolean {
		return this.#state === 'up';
	}

	/** Report `connecting` and probe once (in the background). */
	start(): void {
		this.#options.onStateChanged('connecting', 'connecting to PostgreSQL');
		void this.#probe();
	}

	/**
	 * Run `work` against the database.
	 * @param options.isQuiet no notice on failure (background work that is retried by itself,
	 *   e.g. a catch-up that runs again when the database is back); the failure is still logged
	 *   and still moves the state to `down` when the database is unreachable.
	 * @returns its result, or `undefined` when it failed (a notice was reported unless quiet).
	 */
	async run<T>(what: string, work: (db: Db) => Promise<T>, options: {isQuiet?: boolean} = {}): Promise<T | undefined> {
		if (this.#isClosed) return undefined;
		const task = work(this.#db);
		this.#busy.add(task);
		try {
			const result = await task;
			this.#markUp();
			return result;
		} catch (error) {
			if (isUnreachable(error)) this.#markDown(error as Error);
			else this.#markUp();
			this.#options.logger.warn({err: (error as Error).message, what}, 'database request failed');
			if (!options.isQuiet) this.#options.onNotice(describeFailure(what, error));
			return undefined;
		} finally {
			this.#busy.delete(task);
		}
	}

	/**
	 * Probe now instead of at the next interval, when there is reason to think the database is
	 * back (e.g. the broker of the same embedded hub just came back). A no-op while `up`.
	 */
	probeNow(): void {
		if (this.#state !== 'up') void this.#probe();
	}

	/** Wait for running requests, stop probing and close the pool. */
	async close(): Promise<void> {
		if (this.#isClosed) return;
		this.#isClosed = true;
		this.#stopProbing();
		await Promise.allSettled([...this.#busy]);
		await this.#db.close();
	}

	async #probe(): Promise<void> {
		if (this.#isClosed) return;
		const task = this.#db.query('SELECT 1');
		this.#busy.add(task);
		try {
			await task;
			this.#markUp();
		} catch (error) {
			this.#markDown(error as Error);
		} finally {
			this.#busy.delete(task);
		}
	}

	#markUp(): void {
		if (this.#isClosed || this.#state === 'up') return;
		this.#state = 'up';
		this.#stopProbing();
		this.#options.onStateChanged('up', 'PostgreSQL answers');
	}

	#markDown(error: Error): void {
		if (this.#isClosed) return;
		const detail = `PostgreSQL: ${error.message.split('\n')[0]} — retrying every ${Math.round((this.#options.probeEveryMs ?? 5_000) / 1000)} s`;
		if (this.#state !== 'down') {
			this.#state = 'down';
			this.#options.onStateChanged('down', detail);
		}
		if (!this.#probeTimer) {
			this.#probeTimer = setInterval(() => void this.#probe(), this.#options.probeEveryMs ?? 5_000);
			this.#probeTimer.unref?.();
		}
	}

	#stopProbing(): void {
		if (this.#probeTimer) clearInterval(this.#probeTimer);
		this.#probeTimer = undefined;
	}
}
