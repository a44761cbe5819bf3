import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {openDb} from './db.js';
import {keepStatisticsFresh} from './maintenance.js';
import {runMigrations} from './migrate.js';

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('keepStatisticsFresh', () => {
	let database: TestDatabase;
	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
	});
	afterAll(async () => database?.drop());

	it('analyzes the chat tables at once and again on its interval', async () => {
		const db = openDb({databaseUrl: database.url, max: 1});
		const analyzeCount = async () =>
			Number((await db.query<{n: string}>("SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'chat_messages'")).rows[0]?.n);
		try {
			expect(await analyzeCount()).toBe(0);
			const stop = await keepStatisticsFresh(database.url, silentLogger(), 50);
			expect(await analyzeCount()).toBeGreaterThanOrEqual(1);
			await expect.poll(analyzeCount, {timeout: 5_000}).toBeGreaterThanOrEqual(2);
			await stop();
		} finally {
			await db.close();
		}
	});
});
