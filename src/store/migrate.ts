// Schema migrations: runs the numbered, forward-only SQL files in migrations/ (node-pg-migrate).
// May import pg and node-pg-migrate only (store/ is the door to Postgres).
import {fileURLToPath} from 'node:url';
import {runner, PG_MIGRATE_LOCK_ID} from 'node-pg-migrate';
import pg from 'pg';
import type {Logger} from '../log.js';

/** Options for {@link runMigrations}. */
export interface MigrateOptions {
	/** A `postgres://…` URL of the database to migrate. */
	databaseUrl: string;
	/** Where progress goes (one `info` line per applied migration). */
	logger: Logger;
	/** Folder of the migration files (default: the package's `migrations/`). */
	dir?: string;
}

/** Table node-pg-migrate records applied migrations in. */
export const MIGRATIONS_TABLE = 'pgmigrations';

// The same table node-pg-migrate would create; made up front under our lock because its own
// check-then-create races when two runners start together.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}
	(id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`;
const LOCK = 'SELECT pg_advisory_lock($1)';
const UNLOCK = 'SELECT pg_advisory_unlock($1)';

/**
 * The package's `migrations/` folder. Resolved from this module so it works from `src/store`
 * (vitest, tsx) and from `dist/store` (the published bin) alike.
 */
export function migrationsDir(): string {
	return fileURLToPath(new URL('../../migrations/', import.meta.url));
}

// Runs in this process, per database URL, one after the other.
const queues = new Map<string, Promise<unknown>>();

/**
 * Apply every migration in `migrations/` (`NNN_name.sql`, `-- Up Migration` sections) that
 * the database has not recorded yet, in file order, in one transaction. Forward-only.
 * Idempotent: a second run applies nothing. Concurrent runs are safe:
 * - across processes on PostgreSQL, each run first takes node-pg-migrate's session advisory
 *   lock with a *blocking* `pg_advisory_lock`, so the second waits and then finds nothing to do;
 * - on PGlite behind pglite-socket every connection shares one backend session, so advisory
 *   locks do not exclude; runs in one process are queued, and a run that loses a race with
 *   another process (e.g. "relation already exists") is retried once after the winner commits.
 * @returns the names of the migrations applied by this call (e.g. `['001_initial']`); `[]` when up to date.
 * @throws Error when the database is unreachable or a migration fails (it is rolled back).
 */
export function runMigrations(options: MigrateOptions): Promise<string[]> {
	const previous = queues.get(options.databaseUrl) ?? Promise.resolve();
	const run = previous.catch(() => undefined).then(() => migrateWithRetry(options));
	queues.set(options.databaseUrl, run);
	void run.finally(() => {
		if (queues.get(options.databaseUrl) === run) queues.delete(options.databaseUrl);
	}).catch(() => undefined);
	return run;
}

async function migrateWithRetry(options: MigrateOptions): Promise<string[]> {
	try {
		return await migrateOnce(options);
	} catch (error) {
		if (!isConnectionError(error)) {
			options.logger.warn({err: (error as Error).message}, 'migration failed, retrying once (concurrent run?)');
			return migrateOnce(options);
		}
		throw error;
	}
}

async function migrateOnce(options: MigrateOptions): Promise<string[]> {
	const client = new pg.Client({connectionString: options.databaseUrl, application_name: 'hermes-chat migrate'});
	// An error on an idle client is emitted, not thrown; unhandled it would crash the process.
	client.on('error', (error) => options.logger.warn({err: error.message}, 'migration connection error'));
	await client.connect();
	try {
		await client.query(LOCK, [PG_MIGRATE_LOCK_ID]);
		try {
			await client.query(CREATE_MIGRATIONS_TABLE);
			const applied = await runner({
				dbClient: client,
				dir: options.dir ?? migrationsDir(),
				migrationsTable: MIGRATIONS_TABLE,
				direction: 'up',
				singleTransaction: true,
				checkOrder: true,
				noLock: true,
				logger: quietLogger(options.logger),
			});
			const names = applied.map((migration) => migration.name);
			for (const name of names) options.logger.info({migration: name}, 'migration applied');
			return names;
		} finally {
			await client.query(UNLOCK, [PG_MIGRATE_LOCK_ID]).catch(() => undefined);
		}
	} finally {
		await client.end().catch(() => undefined);
	}
}

// node-pg-migrate narrates at info level and reports NNN prefixes (it wants 13- or 17-digit
// timestamps, used only with its `timestamp` option) as errors; keep that chatter at debug.
function quietLogger(logger: Logger) {
	const debug = (msg: string) => logger.debug(msg);
	return {
		debug,
		info: debug,
		warn: (msg: string) => logger.warn(msg),
		error: (msg: string) => (msg.startsWith("Can't determine timestamp") ? debug(msg) : logger.error(msg)),
	};
}

function isConnectionError(error: unknown): boolean {
	const code = (error as {code?: string}).code;
	return typeof code === 'string' && /^(ECONN|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|08|57P|28)/.test(code);
}
