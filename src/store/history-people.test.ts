// The switcher's search over chat_users, on the real PostgreSQL.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {openDb, type Db} from './db.js';
import {searchUsers} from './history-people.js';
import {runMigrations} from './migrate.js';

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('searchUsers (Ctrl+K finds anyone the server knows)', () => {
	let database: TestDatabase;
	let db: Db;

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 1});
		await db.query(
			`INSERT INTO chat_users (user_id, display_name, last_seen_at) VALUES
			('zoe', 'Zoe Quinn', '2026-11-01'), ('quentin', 'Quentin', '2026-11-02'), ('ann', 'Ann Marquez', '2026-11-03'),
			('percent', '100% real', '2026-11-04'), ('under_score', 'U', '2026-11-05')`,
		);
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('matches id or name anywhere, case-insensitive, prefix matches first', async () => {
		expect((await searchUsers(db, 'QU', 10)).map((u) => u.userId)).toEqual(['quentin', 'ann', 'zoe']);
		expect(await searchUsers(db, 'zoe', 10)).toEqual([{userId: 'zoe', name: 'Zoe Quinn'}]);
	});

	it('takes % and _ literally, lists the most recently seen for an empty query, and honours the limit', async () => {
		expect((await searchUsers(db, '%', 10)).map((u) => u.userId)).toEqual(['percent']);
		expect((await searchUsers(db, '_', 10)).map((u) => u.userId)).toEqual(['under_score']);
		expect((await searchUsers(db, '', 2)).map((u) => u.userId)).toEqual(['under_score', 'percent']);
		expect(await searchUsers(db, 'nobody', 10)).toEqual([]);
	});
});
