// The statistics views of migration 007 and the stats report, on the real PostgreSQL. Dates are
// fixed and the report's clock is injected: nothing here depends on today or the time zone.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {openDb, type Db} from './db.js';
import {runMigrations} from './migrate.js';
import {loadStats, refreshStats} from './stats.js';

const ROOM = 'room-ops';
// 23:30 UTC on the 9th is already the 10th east of UTC: days are UTC days.
const DAY1 = '2026-05-09T23:30:00Z';
const DAY2 = '2026-05-10T08:00:00Z';
const NOW = new Date('2026-05-10T20:00:00Z');
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms);

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('statistics views and report', () => {
	let database: TestDatabase;
	let db: Db;
	let n = 0;
	/** A message stored at `at`, delivered to / read by recipients after the given delays (ms). */
	const message = async (sender: string, conversation: string, at: string, receipts: Array<[string, 'delivered' | 'read', number]> = [], type = 'text') => {
		const id = `m${++n}`;
		await db.query(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, created_at)
			VALUES ($1, $2, $2, $3, 'hello', $4, $3, $5)`,
			[id, sender, conversation, type, at],
		);
		await db.query(`INSERT INTO message_status (message_id, sender_id, status, user_id, timestamp) VALUES ($1, $2, 'received_by_server', $2, $3)`, [id, sender, at]);
		for (const [user, status, delay] of receipts) {
			await db.query('INSERT INTO message_status (message_id, sender_id, status, user_id, timestamp) VALUES ($1, $2, $3, $4, $5)', [id, sender, status, user, plus(at, delay)]);
		}
	};

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 2});
		await db.query(`INSERT INTO chat_users (user_id, display_name) VALUES ('alice', 'Alice A'), ('bob', 'Bob B')`);
		await db.query(`INSERT INTO conversations (id, kind, title) VALUES ($1, 'group', 'Ops')`, [ROOM]);
		await message('alice', 'alice:bob', DAY1, [['bob', 'delivered', 40], ['bob', 'read', 60_000]]);
		await message('bob', 'alice:bob', DAY1, [['alice', 'delivered', 1_234]]);
		await message('alice', ROOM, DAY2, [['bob', 'delivered', 80], ['bob', 'read', 5_000]]);
		await message('alice', ROOM, DAY2, [['bob', 'delivered', -500]]); // a recipient clock behind: 0
		await message('alice', ROOM, DAY2, [], 'system');
		await message('bob', 'all', '2026-04-01T12:00:00Z', [['alice', 'delivered', 10]]); // outside a 2-day range
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('reports nothing until the views are refreshed, then per day, user and conversation with median delays', async () => {
		const before = await loadStats(db, {days: 2, now: NOW});
		expect(before.messages).toBe(0);
		expect(await refreshStats(db)).toBe(true);
		const report = await loadStats(db, {days: 2, now: NOW});
		expect(report).toMatchObject({from: '2026-05-09', to: '2026-05-10', messages: 4});
		expect(Date.parse(report.refreshedAt)).toBeGreaterThanOrEqual(Date.parse(before.refreshedAt));
		expect(report.days).toEqual([
			// 40 and 1,234 ms: the lower of the two middle values, in its 2-digit bucket.
			{day: '2026-05-09', messages: 2, medianDeliveryMs: 40, medianReadMs: 60_000},
			{day: '2026-05-10', messages: 2, medianDeliveryMs: 0, medianReadMs: 5_000},
		]);
		expect(report.users).toEqual([{id: 'alice', name: 'Alice A', messages: 3}, {id: 'bob', name: 'Bob B', messages: 1}]);
		expect(report.conversations).toEqual([{id: 'alice:bob', name: 'alice:bob', messages: 2}, {id: ROOM, name: 'Ops', messages: 2}]);
		// Over both days: delivered 0, 40, 80, 1200 (1,234 bucketed) → 40; read 5 s, 60 s → 5 s.
		expect(report.delivery).toEqual({medianMs: 40, count: 4});
		expect(report.read).toEqual({medianMs: 5_000, count: 2});
	});

	it('covers every day of a longer range, zeros included, and the broadcast when in range', async () => {
		const report = await loadStats(db, {days: 40, now: NOW, top: 1});
		expect(report.days).toHaveLength(40);
		expect(report.days[0]!.day).toBe('2026-04-01');
		expect(report.days[0]).toEqual({day: '2026-04-01', messages: 1, medianDeliveryMs: 10, medianReadMs: null});
		expect(report.days[1]).toEqual({day: '2026-04-02', messages: 0, medianDeliveryMs: null, medianReadMs: null});
		expect(report.messages).toBe(5);
		expect(report.users).toEqual([{id: 'alice', name: 'Alice A', messages: 3}]);
	});

	it('lets one session refresh at a time; the other skips its turn', async () => {
		const other = openDb({databaseUrl: database.url, max: 1});
		try {
			const results = await db.withTransaction(async (client) => {
				await client.query('SELECT pg_advisory_xact_lock(7007007)');
				return refreshStats(other);
			});
			expect(results).toBe(false);
		} finally {
			await other.close();
		}
	});

	it('refuses a range that is not a whole number of days', async () => {
		await expect(loadStats(db, {days: 0, now: NOW})).rejects.toThrow(RangeError);
		await expect(loadStats(db, {days: 1.5, now: NOW})).rejects.toThrow(RangeError);
	});
});
