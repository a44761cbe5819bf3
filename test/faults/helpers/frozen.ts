// The frozen-ingester fault (issue 11, outcomes 4 and 7): three `hermes-chat ingest` processes on
// one shared subscription, a chat client streaming and re-sending until ✓, and one ingester stopped
// (SIGSTOP) — or cut off from PostgreSQL by packet filter rules — while its transaction holds rows.
// Its unconfirmed messages are re-sent to the other two, whose INSERT … ON CONFLICT then waits on
// the frozen transaction's unique-index entries: without timeouts rows/s stay at 0 for as long as
// it is frozen. This file drives the fault and watches the commits from the outside (row count
// and pg_stat_activity, polled); the test and the measurement in frozen-ingester.test.ts use it.
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {promisify} from 'node:util';
import pg from 'pg';
import type {ChatProcess, IngesterProcess} from './processes.js';

const run = promisify(execFile);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ingester's own name for its sessions (`application_name`, set in ingest/ingester.ts). */
export function sessionName(ingester: IngesterProcess): string {
	return `hermes-chat ingest ${ingester.pid}`;
}

/** CLI flags for the ingester's PostgreSQL timeouts, in ms (0 turns one off). */
export interface TimeoutFlags {
	statementMs: number;
	lockMs: number;
	idleInTransactionMs: number;
}

/** `hermes-chat ingest` flags for `timeouts`. */
export function timeoutFlags(timeouts: TimeoutFlags): string[] {
	return [
		'--statement-timeout-ms', String(timeouts.statementMs),
		'--lock-timeout-ms', String(timeouts.lockMs),
		'--idle-in-transaction-timeout-ms', String(timeouts.idleInTransactionMs),
	];
}

/** A steady stream from one chat client: `perTick` messages every `tickMs`, until stopped. */
export class Stream {
	#timer: NodeJS.Timeout | undefined;
	#next = 0;

	constructor(private readonly sender: ChatProcess, private readonly to: string, private readonly prefix: string, private readonly perTick = 5, private readonly tickMs = 100) {}

	/** Messages asked for so far (the client reports each as `sent` once queued). */
	get requested(): number {
		return this.#next;
	}

	start(): void {
		this.#timer ??= setInterval(() => {
			this.sender.command({cmd: 'send', to: this.to, prefix: this.prefix, count: this.perTick, from: this.#next});
			this.#next += this.perTick;
		}, this.tickMs);
	}

	/** Stop asking and wait until the client has queued everything asked for. */
	async stop(): Promise<void> {
		clearInterval(this.#timer);
		this.#timer = undefined;
		await this.sender.waitFor(`${this.#next} messages queued`, () => this.sender.sent.size >= this.#next);
	}
}

/** A monitoring pool on the scenario's database (one connection; errors on idle clients ignored). */
export function monitor(databaseUrl: string): pg.Pool {
	const pool = new pg.Pool({connectionString: databaseUrl, max: 1, application_name: 'faults-frozen-monitor'});
	pool.on('error', () => undefined);
	return pool;
}

/** Rows in `chat_messages` now. */
export async function storedRows(pool: pg.Pool): Promise<number> {
	return (await pool.query<{n: number}>('SELECT count(*)::int AS n FROM chat_messages')).rows[0]!.n;
}

/** Sessions of `name` that hold a transaction id (wrote something), by state. */
async function heldStates(pool: pg.Pool, name: string): Promise<string[]> {
	const {rows} = await pool.query<{state: string}>('SELECT state FROM pg_stat_activity WHERE application_name = $1 AND backend_xid IS NOT NULL', [name]);
	return rows.map((row) => row.state);
}

/** Whether the process is stopped (`T` in /proc/<pid>/stat), so a freeze is checked, not assumed. */
export function isStopped(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
	} catch {
		return false;
	}
}

/**
 * SIGSTOP `ingester` at a moment its session sits `idle in transaction` holding rows (it has a
 * transaction id): the server has answered every statement and waits on the stopped client, so
 * nothing but a timeout (or a thaw) ends that transaction. A stop that lands elsewhere (e.g. a
 * COMMIT already sent, which then finishes on its own) is undone with SIGCONT and tried again.
 * @returns how many SIGSTOP attempts it took.
 * @throws Error after `maxAttempts` (the ingester never held rows at the right moment).
 */
export async function freezeHoldingRows(pool: pg.Pool, ingester: IngesterProcess, maxAttempts = 500): Promise<number> {
	const name = sessionName(ingester);
	for (let attempt = 1; attempt <= maxAttempts; attempt++) {
		if ((await heldStates(pool, name)).length === 0) {
			await delay(5);
			continue;
		}
		ingester.signal('SIGSTOP');
		await delay(100);
		if ((await heldStates(pool, name)).includes('idle in transaction')) return attempt;
		ingester.signal('SIGCONT');
	}
	throw new Error(`${ingester.name} never held rows idle in transaction in ${maxAttempts} attempts`);
}

/**
 * Cut `ingester`'s open sessions off from PostgreSQL on 127.0.0.1:`pgPort` (iptables DROP both
 * ways on their client ports, so the server's peer goes silent as a dead host would) at a moment
 * one of them is idle in transaction holding rows. Needs root and iptables.
 * @returns a function that removes the rules again.
 * @throws Error when iptables fails or the ingester never held rows.
 */
export async function partitionHoldingRows(pool: pg.Pool, ingester: IngesterProcess, pgPort: number, maxAttempts = 2_000): Promise<() => Promise<void>> {
	const name = sessionName(ingester);
	for (let attempt = 1; attempt <= maxAttempts; attempt++) {
		if ((await heldStates(pool, name)).length === 0) {
			await delay(5);
			continue;
		}
		const {rows} = await pool.query<{port: number}>('SELECT client_port AS port FROM pg_stat_activity WHERE application_name = $1', [name]);
		const rules = rows.flatMap(({port}) => [
			['INPUT', '-i', 'lo', '-p', 'tcp', '--sport', String(port), '--dport', String(pgPort), '-j', 'DROP'],
			['INPUT', '-i', 'lo', '-p', 'tcp', '--sport', String(pgPort), '--dport', String(port), '-j', 'DROP'],
		]);
		const heal = async () => {
			for (const rule of rules) await run('iptables', ['-D', ...rule]).catch(() => undefined);
		};
		for (const rule of rules) await run('iptables', ['-I', ...rule]);
		await delay(100);
		// As with SIGSTOP: only a cut that leaves the transaction open (no COMMIT got through) counts.
		if ((await heldStates(pool, name)).includes('idle in transaction')) return heal;
		await heal();
	}
	throw new Error(`${ingester.name} never held rows idle in transaction in ${maxAttempts} attempts`);
}

/** What {@link watchCommits} saw from the fault on, all times in ms since it started. */
export interface CommitWatch {
	/** First increase of the row count (someone else's COMMIT). */
	firstCommitMs?: number;
	/**
	 * The longest time with no new row (rows/s at 0) while something sent was not stored yet
	 * (the quiet end of a watch that caught up is not a stall).
	 */
	longestStallMs: number;
	/** When the longest stall ended with a commit (undefined: it lasted to the end of the watch). */
	recoveredMs?: number;
	/** When every message sent before the fault was stored (those the frozen one held included). */
	caughtUpMs?: number;
	/** When the frozen ingester's transaction (session holding rows) was gone. */
	frozenTransactionEndedMs?: number;
	/** Most sessions of the other ingesters seen waiting on a lock at once. */
	mostWaitingOnLock: number;
	/** Rows stored during the watch. */
	rowsStored: number;
	/** How long the watch ran. */
	watchedMs: number;
}

/**
 * Poll the row count and the sessions every 100 ms from now until `until(elapsedMs)` holds
 * (checked each poll); the fault stays on during the whole watch.
 * @param sentBefore ids of the messages sent before the fault (their sender's).
 * @param sentNow how many messages have been sent so far.
 */
export async function watchCommits(pool: pg.Pool, frozen: IngesterProcess, sentBefore: string[], sentNow: () => number, until: (elapsedMs: number) => boolean): Promise<CommitWatch> {
	const started = performance.now();
	const since = () => Math.round(performance.now() - started);
	const name = sessionName(frozen);
	const initial = await storedRows(pool);
	let rows = initial;
	let lastCommitMs = 0;
	const watch: CommitWatch = {longestStallMs: 0, mostWaitingOnLock: 0, rowsStored: 0, watchedMs: 0};
	while (!until(since())) {
		await delay(100);
		const now = await storedRows(pool);
		const at = since();
		if (now > rows) {
			watch.firstCommitMs ??= at;
			if (at - lastCommitMs > watch.longestStallMs) (watch.longestStallMs = at - lastCommitMs), (watch.recoveredMs = at);
			lastCommitMs = at;
			rows = now;
		}
		const {rows: [sessions]} = await pool.query<{waiting: number; held: number}>(
			"SELECT count(*) FILTER (WHERE application_name <> $1 AND wait_event_type = 'Lock')::int AS waiting, " +
				'count(*) FILTER (WHERE application_name = $1 AND backend_xid IS NOT NULL)::int AS held ' +
				"FROM pg_stat_activity WHERE application_name LIKE 'hermes-chat ingest %'",
			[name],
		);
		watch.mostWaitingOnLock = Math.max(watch.mostWaitingOnLock, sessions!.waiting);
		if (sessions!.held === 0) watch.frozenTransactionEndedMs ??= at;
		if (watch.caughtUpMs === undefined) {
			const {rows: [stored]} = await pool.query<{n: number}>('SELECT count(*)::int AS n FROM chat_messages WHERE message_id = ANY($1)', [sentBefore]);
			if (stored!.n >= sentBefore.length) watch.caughtUpMs = at;
		}
	}
	watch.watchedMs = since();
	// Only alice writes in the scenario's database: fewer rows than messages sent means still behind.
	const isBehind = (await storedRows(pool)) < sentNow();
	if (isBehind && watch.watchedMs - lastCommitMs > watch.longestStallMs) (watch.longestStallMs = watch.watchedMs - lastCommitMs), (watch.recoveredMs = undefined);
	watch.rowsStored = rows - initial;
	return watch;
}

/** One line for the log and the closing note. */
export function describeWatch(label: string, watch: CommitWatch): string {
	const ms = (value: number | undefined) => (value === undefined ? '—' : `${(value / 1000).toFixed(1)} s`);
	return `${label}: first commit by the others ${ms(watch.firstCommitMs)} after the fault, longest stall (rows/s at 0) ` +
		`${ms(watch.longestStallMs)}${watch.recoveredMs === undefined ? ' (still stalled when the watch ended)' : `, ended ${ms(watch.recoveredMs)} after the fault`}; ` +
		`frozen transaction gone at ${ms(watch.frozenTransactionEndedMs)}; up to ${watch.mostWaitingOnLock} sessions of the others waited on a lock; ` +
		`${watch.rowsStored} rows stored in ${ms(watch.watchedMs)}; everything sent before the fault stored at ${ms(watch.caughtUpMs)}`;
}
