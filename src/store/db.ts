// The one door to PostgreSQL: every query in hermes-chat goes through a Db from here.
// May import pg and protocol/ only; the only importer of `pg` (with the rest of store/).
import pg from 'pg';

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
}

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
	const pool = new pg.Pool({
		connectionString: options.databaseUrl,
		max: options.max ?? 4,
		application_name: options.applicationName ?? 'hermes-chat',
		connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
	});
	// An idle client's error is emitted on the pool; unhandled it would crash the process.
	pool.on('error', (error) => options.onError?.(error));
	let closed = false;
	return {
		pool,
		query: (text, values) => pool.query(text, values as unknown[] | undefined),
		async withTransaction(work) {
			const client = await pool.connect();
			try {
				await client.query('BEGIN');
				const result = await work(client);
				await client.query('COMMIT');
				return result;
			} catch (error) {
				await client.query('ROLLBACK').catch(() => undefined);
				throw error;
			} finally {
				client.release();
			}
		},
		async close() {
			if (closed) return;
			closed = true;
			await pool.end();
		},
	};
}
