// The one door to PostgreSQL: every query in hermes-chat goes through a Db from here.
// May import pg and protocol/ only; the only importer of `pg` (with the rest of store/).
import pg from 'pg';
import type {SessionTimeouts} from './defaults.js';

/** Options for {@link openDb}. */
export interface DbOptions {
	/** A `postgres://user:password@host:port/database` URL. */
	databaseUrl: string;
	/** Pool size (default 4). Keep it at or under the server's connection limit. */
	max?: number;
	/** Name shown in `pg_stat_activity.application_name`. */
	applicationName?: string;
	/** Called for errors on idle pooled clients (e.g. the server restarted); never throws. */
	onError?: (error: Error) => void;
	/** How long to wait for a connection, in ms (default 5000). */
	connectionTimeoutMs?: number;
	/**
	 * Server-side limits for every session of the pool (default: none). Give them on real
	 * PostgreSQL only: PGlite is one backend shared by all its connections, and a FATAL
	 * idle-in-transaction timeout there would end it for everybody.
	 */
	sessionTimeouts?: SessionTimeouts;
	/**
	 * Whether PostgreSQL may JIT-compile this pool's statements (default true: the server's
	 * `jit` setting). false sends `-c jit=off` in the startup packet (no extra round trip).
	 */
	jit?: boolean;
	/**
	 * Whether PostgreSQL may run this pool's statements with parallel workers (default true: the
	 * server's `max_parallel_workers_per_gather`). false sends `-c max_parallel_workers_per_gather=0`.
	 */
	isParallel?: boolean;
}

// Defined in defaults.ts (loaded without pg for `ingest --help`); re-exported for the store's users.
export {DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts} from './defaults.js';

/**
 * How the chat client's pools connect (DatabaseLink, the login check): `jit = off`. Its reads are
 * short index probes whose estimated cost still passes jit_above_cost (many LATERAL probes per
 * conversation list): compiling took 178 of the list's 191 ms for a user in 1,000 conversations
 * (issue 12). Account roles have it already (`ALTER ROLE … SET jit = off`, accounts.ts); this
 * covers the owner's or a legacy URL. PGlite (the embedded hub) has no JIT; the option is harmless there.
 * And no parallel workers: as a member, a page's receipt probes go through the message_status view
 * (migration 008), whose derived branches row-level security plans as a Gather over a scan that a
 * one-time filter makes empty — two workers were started per probe anyway, 25 probes a page:
 * 400 ms instead of 9 ms for a page of 50 (bench/rls.ts, 211,000 messages).
 */
export const CLIENT_SESSION = {jit: false, isParallel: false} as const satisfies Partial<DbOptions>;

/** A pool plus the two ways in: one statement, or one transaction. */
export interface Db {
	/** The underlying pool (for tools such as the migration runner). */
	readonly pool: pg.Pool;
	/**
	 * Run one parameterised statement (`$1…`).
	 * @throws the driver's error (pg DatabaseError, or a connection error).
	 */
	query<R extends pg.QueryResultRow = pg.QueryResultRow>(
		text: string,
		values?: readonly unknown[],
	): Promise<pg.QueryResult<R>>;
	/**
	 * Run `work` inside BEGIN … COMMIT on one client; ROLLBACK and rethrow if it throws.
	 * @throws whatever `work` or the driver throws; the transaction is rolled back.
	 */
	withTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
	/** Close every pooled connection. */
	close(): Promise<void>;
}

/**
 * Open a pool on `databaseUrl`. Connections are made lazily, so this never throws;
 * the first query reports an unreachable server.
 */
export function openDb(options: DbOptions): Db {
	const server = serverOptions(options);
	const pool = new pg.Pool({
		connectionString: server.connectionString,
		max: options.max ?? 4,
		application_name: options.applicationName ?? 'hermes-chat',
		connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
		...(options.sessionTimeouts ? sessionConfig(options.sessionTimeouts) : {}),
		...(server.options ? {options: server.options} : {}),
	});
	// An idle client's error is emitted on the pool; unhandled it would crash the process.
	pool.on('error', (error) => options.onError?.(error));
	let closed = false;
	return {
		pool,
		query: (text, values) => pool.query(text, values as unknown[] | undefined),
		async withTransaction(work) {
			const client = await pool.connect();
			// A checked-out client has no 'error' listener of the pool's: a FATAL that arrives
			// between two statements (e.g. idle_in_transaction_session_timeout ended the session
			// of a frozen process) would be an uncaught 'error' event and end the process.
			let broken: Error | undefined;
			const onError = (error: Error) => (broken ??= error);
			client.on('error', onError);
			try {
				await client.query('BEGIN');
				const result = await work(client);
				await client.query('COMMIT');
				return result;
			} catch (error) {
				await client.query('ROLLBACK').catch((rollbackError: Error) => (broken ??= rollbackError));
				throw error;
			} finally {
				client.removeListener('error', onError);
				// release(error) discards the connection instead of pooling a dead one.
				client.release(broken);
			}
		},
		async close() {
			if (closed) return;
			closed = true;
			await pool.end();
		},
	};
}

/** pg connection settings for {@link SessionTimeouts} (sent in the startup packet). */
function sessionConfig(timeouts: SessionTimeouts): pg.PoolConfig {
	return {
		// 0 is "off" for PostgreSQL; pg omits a falsy value, which leaves the server's default (off).
		statement_timeout: timeouts.statementMs,
		lock_timeout: timeouts.lockMs,
		idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
		keepAlive: timeouts.keepAliveMs > 0,
		keepAliveInitialDelayMillis: timeouts.keepAliveMs,
	};
}

/**
 * The startup packet's `options` (server settings as `-c name=value`): the URL's own `options`
 * parameter, keepalive settings ({@link SessionTimeouts}) and `jit=off` — in that order, so ours
 * win (a later `-c` of the same name overrides an earlier one). pg lets a connection string's
 * parameters override the config object's, so the URL's `options` moves out of the URL here.
 */
function serverOptions(options: DbOptions): {connectionString: string; options?: string} {
	const parts: string[] = [];
	let connectionString = options.databaseUrl;
	try {
		const url = new URL(options.databaseUrl);
		const fromUrl = url.searchParams.get('options');
		if (fromUrl !== null) {
			parts.push(fromUrl);
			url.searchParams.delete('options');
			connectionString = url.toString();
		}
	} catch {
		// Not a URL (e.g. a bare socket path): pg parses it; nothing of ours to merge.
	}
	const keepAliveMs = options.sessionTimeouts?.keepAliveMs ?? 0;
	if (keepAliveMs > 0) {
		parts.push(
			`-c tcp_keepalives_idle=${Math.max(1, Math.round(keepAliveMs / 1_000))}`,
			'-c tcp_keepalives_interval=5',
			'-c tcp_keepalives_count=3',
			`-c tcp_user_timeout=${keepAliveMs + 15_000}`,
		);
	}
	if (options.jit === false) parts.push('-c jit=off');
	if (options.isParallel === false) parts.push('-c max_parallel_workers_per_gather=0');
	const merged = parts.filter((part) => part.trim() !== '').join(' ');
	return merged ? {connectionString, options: merged} : {connectionString};
}
