// Test helper: one store suite on both engines the product runs on — the test PostgreSQL and
// PGlite (the embedded hub's database) behind pglite-socket, as the hub serves it.
import {afterAll, describe} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from './db.js';
import {startFreshPGlite, type FreshPGliteServer} from './fresh-pglite.js';

/** Opens a fresh, empty database and returns its `postgres://` URL (the suite calls it when it needs one). */
export type OpenDatabase = () => Promise<string>;

/**
 * Define `suite` twice: as "`title` on PostgreSQL" (each `open()` creates a fresh test database;
 * skipped when the test PostgreSQL is unreachable, unless HERMES_REQUIRE_SERVICES=1) and as
 * "`title` on PGlite behind pglite-socket" (each `open()` starts a fresh in-memory PGlite). What
 * was opened is dropped or stopped after the suite, after the suite's own afterAll hooks.
 */
export async function describeOnBothDatabases(title: string, suite: (open: OpenDatabase) => void): Promise<void> {
	const isSkipped = !(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1';
	describe.skipIf(isSkipped)(`${title} on PostgreSQL`, () => {
		const databases: TestDatabase[] = [];
		afterAll(async () => {
			for (const database of databases) await database.drop();
		});
		suite(async () => {
			const database = await createTestDatabase();
			databases.push(database);
			return database.url;
		});
	});
	describe(`${title} on PGlite behind pglite-socket`, () => {
		const started: FreshPGliteServer[] = [];
		afterAll(async () => {
			for (const server of started) await server.stop();
		});
		suite(async () => {
			const server = await startFreshPGlite();
			started.push(server);
			return server.url;
		});
	});
}
