// Table statistics upkeep for databases without autovacuum (PGlite in the embedded hub).
// May import store/db.ts and log only.
import type {Logger} from '../log.js';
import {openDb, type Db} from './db.js';

/** The tables whose statistics the planner needs for keyset pages and the conversation list. */
const ANALYZE_TABLES = 'ANALYZE chat_messages, message_receipts, conversations, conversation_members, chat_users';

/** How often {@link keepStatisticsFresh} re-analyzes, in ms (5 minutes). */
export const ANALYZE_INTERVAL_MS = 5 * 60_000;

/**
 * Run ANALYZE on the chat tables now and then every `intervalMs`. Without statistics the
 * planner reads and sorts a whole conversation for every page (measured on PGlite: ~130 ms
 * per page of a 100,000-message conversation instead of ~2 ms), and PGlite has no
 * autovacuum to gather them. Failures are logged, never thrown.
 * @returns a function that stops the timer and closes the connection.
 */
export async function keepStatisticsFresh(
	databaseUrl: string,
	logger: Logger,
	intervalMs = ANALYZE_INTERVAL_MS,
): Promise<() => Promise<void>> {
	const db = openDb({databaseUrl, max: 1, applicationName: 'hermes-chat analyze'});
	const analyze = async () => {
		try {
			await db.query(ANALYZE_TABLES);
		} catch (error) {
			logger.warn({err: (error as Error).message}, 'ANALYZE failed');
		}
	};
	await analyze();
	return repeatOnConnection(db, intervalMs, analyze);
}

/**
 * Run `task` every `intervalMs` (ms), never two at once; the timer does not keep the process
 * alive. `task` must not throw (log instead).
 * @returns stop: clears the timer, waits for a running task, then closes `db`.
 */
export function repeatOnConnection(db: Db, intervalMs: number, task: () => Promise<void>): () => Promise<void> {
	let running: Promise<void> | undefined;
	const timer = setInterval(() => {
		running ??= task().finally(() => (running = undefined));
	}, intervalMs);
	timer.unref();
	return async () => {
		clearInterval(timer);
		await running;
		await db.close();
	};
}
