// Chat statistics (issue 10, outcome 8): the materialized views of migration 007, their scheduled
// refresh, and the report `hermes-chat stats` prints. May import pg (via db.ts), store/maintenance.ts and log.
import type {Logger} from '../log.js';
import {openDb, type Db} from './db.js';
import {STATS_REFRESH_INTERVAL_MS} from './defaults.js';
import {repeatOnConnection} from './maintenance.js';

// Defined in defaults.ts (loaded without pg for `ingest --help`); re-exported for the store's users.
export {STATS_REFRESH_INTERVAL_MS} from './defaults.js';

// Transaction-level advisory lock key: one refresher at a time across ingesters (`hermes-chat
// ingest` may run several in a shared subscription group); the others skip their turn.
const STATS_LOCK_ID = 7_007_007;
const TRY_LOCK = 'SELECT pg_try_advisory_xact_lock($1) AS locked';
// CONCURRENTLY: readers of the views (a running `stats`) are never blocked. A refresh recomputes
// everything and may take longer than the ingester's 15 s statement_timeout on a large table.
const REFRESH = [
	"SET LOCAL statement_timeout = '10min'",
	'REFRESH MATERIALIZED VIEW CONCURRENTLY chat_stats_daily',
	'REFRESH MATERIALIZED VIEW CONCURRENTLY chat_stats_delays',
	'UPDATE chat_stats_refreshed SET refreshed_at = now()',
];

const REFRESHED_AT = 'SELECT refreshed_at FROM chat_stats_refreshed';

const PER_DAY = `SELECT day::text AS day, sum(messages)::bigint::text AS messages
FROM chat_stats_daily WHERE day BETWEEN $1::date AND $2::date GROUP BY day`;

const PER_USER = `SELECT d.sender_id AS id, coalesce(u.display_name, d.sender_id) AS name, sum(d.messages)::bigint::text AS messages
FROM chat_stats_daily d LEFT JOIN chat_users u ON u.user_id = d.sender_id
WHERE d.day BETWEEN $1::date AND $2::date
GROUP BY d.sender_id, u.display_name ORDER BY sum(d.messages) DESC, d.sender_id LIMIT $3`;

// Titles for an operator: a room's title, `everyone` for the broadcast, the pair id for a direct chat.
const PER_CONVERSATION = `SELECT d.conversation_id AS id,
	CASE WHEN c.kind = 'group' THEN c.title WHEN c.kind = 'broadcast' THEN 'everyone' ELSE d.conversation_id END AS name,
	sum(d.messages)::bigint::text AS messages
FROM chat_stats_daily d LEFT JOIN conversations c ON c.id = d.conversation_id
WHERE d.day BETWEEN $1::date AND $2::date
GROUP BY d.conversation_id, c.kind, c.title ORDER BY sum(d.messages) DESC, d.conversation_id LIMIT $3`;

// Medians from the delay histograms: per day, and (day NULL) over the whole range — the first
// bucket at which the running count reaches half of the total.
const MEDIANS = `WITH h AS (
	SELECT day, kind, bucket_ms, count FROM chat_stats_delays WHERE day BETWEEN $1::date AND $2::date
), whole AS (
	SELECT kind, bucket_ms, sum(count) AS count FROM h GROUP BY kind, bucket_ms
), running AS (
	SELECT day, kind, bucket_ms, sum(count) OVER (PARTITION BY day, kind ORDER BY bucket_ms) AS cum,
		sum(count) OVER (PARTITION BY day, kind) AS total FROM h
	UNION ALL
	SELECT NULL, kind, bucket_ms, sum(count) OVER (PARTITION BY kind ORDER BY bucket_ms),
		sum(count) OVER (PARTITION BY kind) FROM whole
)
SELECT DISTINCT ON (day, kind) day::text AS day, kind, bucket_ms::text AS median_ms, total::text AS total
FROM running WHERE cum * 2 >= total ORDER BY day, kind, bucket_ms`;

/** Messages counted for one user or conversation. */
export interface StatsCount {
	id: string;
	/** Display name (users), room title / `everyone` / the pair id (conversations). Untrusted. */
	name: string;
	messages: number;
}

/** One UTC day of the report; medians are null when no message of that day was delivered / read. */
export interface StatsDay {
	/** `YYYY-MM-DD` (UTC). */
	day: string;
	messages: number;
	medianDeliveryMs: number | null;
	medianReadMs: number | null;
}

/**
 * What `hermes-chat stats` prints. Medians (ms) are read from histograms with two significant
 * digits (at most 10% low); delivery = a recipient's `delivered` − the server's
 * `received_by_server` time, read the same with `read` (migration 007).
 */
export interface StatsReport {
	/** First and last day of the range, `YYYY-MM-DD` (UTC), inclusive. */
	from: string;
	to: string;
	/** When the views were last refreshed (the report is as of then), ISO 8601. */
	refreshedAt: string;
	messages: number;
	/** Every day of the range, oldest first (days without messages included, with 0). */
	days: StatsDay[];
	/** Most active first, at most `top`. */
	users: StatsCount[];
	conversations: StatsCount[];
	delivery: {medianMs: number | null; count: number};
	read: {medianMs: number | null; count: number};
}

/** Options for {@link loadStats}. */
export interface StatsOptions {
	/** Days to cover, ending with today (UTC): 1 = today only. */
	days: number;
	/** The clock ("today"), injected so reports and tests do not depend on the real date. */
	now: Date;
	/** Users and conversations listed (default 10). */
	top?: number;
}

/**
 * Refresh the statistics views now (CONCURRENTLY, in one transaction), unless another session
 * is refreshing them (then nothing happens).
 * @returns whether this call refreshed them.
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function refreshStats(db: Db): Promise<boolean> {
	return db.withTransaction(async (client) => {
		const {rows} = await client.query<{locked: boolean}>(TRY_LOCK, [STATS_LOCK_ID]);
		if (!rows[0]!.locked) return false;
		for (const statement of REFRESH) await client.query(statement);
		return true;
	});
}

/**
 * Refresh the statistics views every `intervalMs` on a connection of their own (a refresh may
 * take seconds; the ingester's pool must not wait for it). The first refresh is one interval
 * after the start (migration 007 fills the views). Failures are logged, never thrown.
 * @returns a function that stops the timer, waits for a running refresh and closes the connection.
 */
export function keepStatsFresh(databaseUrl: string, logger: Logger, intervalMs = STATS_REFRESH_INTERVAL_MS): () => Promise<void> {
	const db = openDb({databaseUrl, max: 1, applicationName: 'hermes-chat stats refresh'});
	const refresh = async () => {
		const startedAt = performance.now();
		try {
			const isRefreshed = await refreshStats(db);
			logger.info({isRefreshed, durationMs: Math.round(performance.now() - startedAt)}, isRefreshed ? 'statistics refreshed' : 'statistics being refreshed elsewhere');
		} catch (error) {
			logger.warn({err: (error as Error).message}, 'statistics refresh failed');
		}
	};
	return repeatOnConnection(db, intervalMs, refresh);
}

/**
 * The report for the `days` days ending today (UTC, from `now`), from the views as of their
 * last refresh.
 * @throws RangeError when `days` is not an integer 1–3660; the driver's error otherwise.
 */
export async function loadStats(db: Db, options: StatsOptions): Promise<StatsReport> {
	if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3660) throw new RangeError('days must be an integer 1–3660');
	const to = utcDay(options.now);
	const from = utcDay(new Date(options.now.getTime() - (options.days - 1) * 86_400_000));
	const top = options.top ?? 10;
	const [refreshed, perDay, users, conversations, medians] = await Promise.all([
		db.query<{refreshed_at: Date}>(REFRESHED_AT),
		db.query<{day: string; messages: string}>(PER_DAY, [from, to]),
		db.query<{id: string; name: string; messages: string}>(PER_USER, [from, to, top]),
		db.query<{id: string; name: string; messages: string}>(PER_CONVERSATION, [from, to, top]),
		db.query<{day: string | null; kind: 'delivered' | 'read'; median_ms: string; total: string}>(MEDIANS, [from, to]),
	]);
	const counts = new Map(perDay.rows.map((r) => [r.day, Number(r.messages)]));
	const median = (day: string | null, kind: 'delivered' | 'read') => medians.rows.find((r) => r.day === day && r.kind === kind);
	const days: StatsDay[] = [];
	for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
		const day = utcDay(new Date(t));
		const delivered = median(day, 'delivered');
		const read = median(day, 'read');
		days.push({day, messages: counts.get(day) ?? 0, medianDeliveryMs: delivered ? Number(delivered.median_ms) : null, medianReadMs: read ? Number(read.median_ms) : null});
	}
	const toCount = (r: {id: string; name: string | null; messages: string}): StatsCount => ({id: r.id, name: r.name ?? r.id, messages: Number(r.messages)});
	const whole = (kind: 'delivered' | 'read') => {
		const row = median(null, kind);
		return {medianMs: row ? Number(row.median_ms) : null, count: row ? Number(row.total) : 0};
	};
	return {
		from,
		to,
		refreshedAt: refreshed.rows[0]!.refreshed_at.toISOString(),
		messages: days.reduce((sum, d) => sum + d.messages, 0),
		days,
		users: users.rows.map(toCount),
		conversations: conversations.rows.map(toCount),
		delivery: whole('delivered'),
		read: whole('read'),
	};
}

function utcDay(date: Date): string {
	return date.toISOString().slice(0, 10);
}
