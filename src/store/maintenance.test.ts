import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {openDb} from './db.js';
import {keepStatisticsFresh, staleTables} from './maintenance.js';
import {runMigrations} from './migrate.js';

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('keepStatisticsFresh', () => {
	let database: TestDatabase;
	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
	});
	afterAll(async () => database?.drop());

	it('analyzes a chat table once it has grown, on its interval, and not while it stays the same size', async () => {
		const db = openDb({databaseUrl: database.url, max: 1});
		const analyzeCount = async () =>
			Number((await db.query<{n: string}>("SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'chat_messages'")).rows[0]?.n);
		try {
			const stop = await keepStatisticsFresh(database.url, silentLogger(), 50);
			// Empty: nothing for the planner to learn.
			expect(await analyzeCount()).toBe(0);
			await db.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
				SELECT 'm-' || g, 'alice', 'Alice', 'bob', 'hello ' || g, 'alice:bob' FROM generate_series(1, 2000) g`);
			// (Once, or more when a check ran while the INSERT was extending the table.)
			await expect.poll(analyzeCount, {timeout: 10_000}).toBeGreaterThanOrEqual(1);
			// A check that ran while the INSERT was extending the table saw part of it; the keeper's
			// next checks catch up, and then, the size unchanged, nothing is stale (CI once read the
			// statistics between the partial ANALYZE and the next tick).
			await expect.poll(() => staleTables(db), {timeout: 10_000}).not.toContain('chat_messages');
			await stop();
		} finally {
			await db.close();
		}
	});
});
