// Test helper: a fresh, empty PostgreSQL database per test file, dropped afterwards.
// Tests run in parallel with other engineers' suites, so nothing may share a database.
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {afterAll, beforeAll} from 'vitest';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';
import {runMigrations} from '../../src/store/migrate.js';

/** Admin URL used to create and drop test databases (env `TEST_PG_ADMIN_URL`). */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database created for one test file. */
export interface TestDatabase {
	/** `postgres://…/hermes_t_<random>` */
	url: string;
	/** Database name. */
	name: string;
	/** Drop it (`WITH (FORCE)` ends lingering connections). Safe to call twice. */
	drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, adminUrl: string): Promise<T> {
	const client = new pg.Client({connectionString: adminUrl, connectionTimeoutMillis: 3_000});
	client.on('error', () => undefined);
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** Whether the admin database answers (for skipping suites when Postgres is not running). */
export async function isPostgresReachable(adminUrl = TEST_PG_ADMIN_URL): Promise<boolean> {
	try {
		await admin((client) => client.query('SELECT 1'), adminUrl);
		return true;
	} catch {
		return false;
	}
}

/**
 * Create an empty database `hermes_t_<random>` next to the admin database.
 * @throws the driver's error when the admin database is unreachable.
 */
export async function createTestDatabase(adminUrl = TEST_PG_ADMIN_URL): Promise<TestDatabase> {
	const name = `hermes_t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
	await admin((client) => client.query(`CREATE DATABASE ${name}`), adminUrl);
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	let dropped = false;
	return {
		url: url.toString(),
		name,
		async drop() {
			if (dropped) return;
			dropped = true;
			await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), adminUrl);
		},
	};
}

/** What {@link useMigratedDatabase} gives a suite (set by its beforeAll). */
export interface MigratedDatabase {
	/** The fresh database, every migration applied. */
	database: TestDatabase;
	/** A pool on it (openDb defaults). */
	db: Db;
}

/**
 * In a `describe` block: a fresh test database with every migration applied and a pool on it,
 * made in `beforeAll` and closed and dropped in `afterAll`. Read the fields inside tests (they are
 * set once `beforeAll` has run).
 */
export function useMigratedDatabase(): MigratedDatabase {
	const suite = {} as MigratedDatabase;
	beforeAll(async () => {
		suite.database = await createTestDatabase();
		await runMigrations({databaseUrl: suite.database.url, logger: silentLogger()});
		suite.db = openDb({databaseUrl: suite.database.url});
	});
	afterAll(async () => {
		await suite.db?.close();
		await suite.database?.drop();
	});
	return suite;
}
