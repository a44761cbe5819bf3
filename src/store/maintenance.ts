// Table statistics upkeep for databases without autovacuum (PGlite in the embedded hub).
// May import store/db.ts and log only.
import type {Logger} from '../log.js';
import {openDb, type Db} from './db.js';

/**
 * The tables of the current schema whose statistics are stale, as autovacuum's auto-analyze
 * would judge them, by size (PGlite never flushes the pending counters behind
 * `pg_stat_user_tables.n_mod_since_analyze`, so they cannot be used): never analyzed and not
 * empty, or more than {@link GROWTH_FACTOR} × the pages seen by the last ANALYZE plus
 * {@link GROWTH_PAGES} pages.
 */
const STALE_TABLES = `
	SELECT c.oid::regclass::text AS name FROM pg_class c
	WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
		AND pg_relation_size(c.oid) > 0
		AND (c.reltuples < 0 OR pg_relation_size(c.oid) / current_setting('block_size')::bigint > c.relpages * $1::float8 + $2)`;

/** Growth of a table (pages now ÷ pages at its last ANALYZE) that makes it stale, as autovacuum's default 10% of rows, in pages. */
export const GROWTH_FACTOR = 1.2;
/** Pages a table may grow by before even a small one is stale (autovacuum's threshold of 50 rows is ~1–4 pages here). */
export const GROWTH_PAGES = 4;

/** How often {@link keepStatisticsFresh} looks for stale tables, in ms (2 s; one small catalog query). */
export const ANALYZE_INTERVAL_MS = 2_000;

/**
 * The tables of the current schema whose statistics are stale (see {@link STALE_TABLES}), without
 * analyzing them.
 * @returns their names (schema-qualified only when not on the search path).
 * @throws the driver's error.
 */
export async function staleTables(db: Pick<Db, 'query'>): Promise<string[]> {
	const {rows} = await db.query<{name: string}>(STALE_TABLES, [GROWTH_FACTOR, GROWTH_PAGES]);
	return rows.map((row) => row.name);
}

/**
 * ANALYZE the tables of the current schema whose statistics are stale (see {@link STALE_TABLES}).
 * Why it matters: PGlite has no autovacuum, and its one session keeps every cached plan. The
 * foreign-key checks' plans (and plpgsql's) are made once, while the tables are nearly empty —
 * a sequential scan — and are kept until something invalidates them: a fresh hub's ingest slowed
 * from ~250 to ~90 msg/s over its first 9,000 messages, the `message_status` → `chat_messages`
 * check scanning the whole table for every status row. ANALYZE updates `pg_class`, which
 * invalidates the plans on that table, so the next check is planned again, with the index.
 * @returns the tables analyzed (schema-qualified only when not on the search path).
 * @throws the driver's error.
 */
export async function analyzeStaleTables(db: Pick<Db, 'query'>): Promise<string[]> {
	const names = await staleTables(db);
	if (names.length === 0) return [];
	// regclass text is already quoted where needed.
	await db.query(`ANALYZE ${names.join(', ')}`);
	return names;
}

/**
 * Look for stale tables now and then every `intervalMs`, and ANALYZE them ({@link analyzeStaleTables}):
 * without statistics the planner reads and sorts a whole conversation for every page (measured on
 * PGlite: ~130 ms per page of a 100,000-message conversation instead of ~2 ms), and kept plans made
 * on empty tables stay sequential scans. Failures are logged, never thrown.
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
			const analyzed = await analyzeStaleTables(db);
			if (analyzed.length > 0) logger.debug({tables: analyzed}, 'ANALYZE (tables grew)');
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
