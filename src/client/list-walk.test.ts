// The client's walk of the conversation list (issue 12) against PostgreSQL: a first page, the
// rest in the background page by page (the last naming every conversation seen), a restart
// dropping a late page of the old walk, a reload asking for what the old walk had in two pages,
// rows loaded by id for a conversation not reached yet.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import type {ChatEvent} from '../core/types.js';
import {silentLogger} from '../log.js';
import {openDb, type Db} from '../store/db.js';
import {runMigrations} from '../store/migrate.js';
import {ListWalk} from './list-walk.js';

type Loaded = Extract<ChatEvent, {type: 'conversations-loaded'}>;

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('the client walk of the conversation list', () => {
	let database: TestDatabase;
	let db: Db;
	const walk = (events: Loaded[], options: {backgroundAfterMs?: number | false} = {}) =>
		new ListWalk({me: 'alice', run: async (_what, work) => work(db), emit: (event) => events.push(event), onRows: () => {}, firstPage: 2, morePage: 2, ...options});
	const ids = (event: Loaded) => event.conversations.map((c) => c.conversationId);

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 2});
		// alice in room-0 … room-3 (room-0 newest) and all (no message: last).
		await db.query(`INSERT INTO conversations (id, kind, title, topic, created_at)
			SELECT 'room-' || i, 'group', 'Room ' || i, '', now() FROM generate_series(0, 3) AS i`);
		await db.query(`INSERT INTO conversation_members (user_id, conversation_id, joined_at) SELECT 'alice', 'room-' || i, now() FROM generate_series(0, 3) AS i`);
		await db.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
			SELECT 'm-' || i, 'bob', 'Bob', 'room-' || i, 'hi', 'room-' || i, timestamptz '2026-01-05 10:00+00' - i * interval '1 minute' FROM generate_series(0, 3) AS i`);
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('emits a first page, then the rest in the background; the last page names every conversation', async () => {
		const events: Loaded[] = [];
		const list = walk(events);
		await list.restart();
		expect(events.map(ids)).toEqual([['room-0', 'room-1']]);
		expect(events[0]!.hasMore).toBe(true);
		expect(list.hasShown('room-3')).toBe(false);
		await expect.poll(() => events.length).toBe(3);
		expect(events.map(ids)).toEqual([['room-0', 'room-1'], ['room-2', 'room-3'], ['all']]);
		expect(events[1]!.hasMore).toBe(true);
		expect(events[2]).toMatchObject({memberOf: ['room-0', 'room-1', 'room-2', 'room-3', 'all']});
		expect(events[2]!.hasMore).toBeUndefined();
		expect(list.hasMore).toBe(false);
		expect(list.hasShown('room-3')).toBe(true);
		await list.more(); // nothing left: no event
		expect(events).toHaveLength(3);
	});

	it('reloads what was loaded in two queries: the first page, then the rest of the old walk at once', async () => {
		const events: Loaded[] = [];
		const asked: string[] = [];
		const list = new ListWalk({
			me: 'alice',
			run: async (what, work) => (asked.push(what), work(db)),
			emit: (event) => events.push(event),
			onRows: () => {},
			firstPage: 2,
			morePage: 1,
		});
		await list.restart();
		await expect.poll(() => events.at(-1)?.memberOf !== undefined).toBe(true);
		// The first walk: 2, then pages of 1 (a full page cannot tell it was the last: one empty page ends it).
		expect(events.map(ids)).toEqual([['room-0', 'room-1'], ['room-2'], ['room-3'], ['all'], []]);
		const firstWalk = asked.length;
		expect(firstWalk).toBe(5);
		events.length = 0;
		await list.restart(); // a reload: a mute, a system line, a catch-up
		await expect.poll(() => events.at(-1)?.memberOf !== undefined).toBe(true);
		expect(events.map(ids)).toEqual([['room-0', 'room-1'], ['room-2', 'room-3', 'all']]);
		expect(events.at(-1)).toMatchObject({memberOf: ['room-0', 'room-1', 'room-2', 'room-3', 'all']});
		expect(asked.length - firstWalk).toBe(2);
		list.stop();
	});

	it('pages on demand without the background walk, one page per call even when asked twice at once; rows by id for one not reached', async () => {
		const events: Loaded[] = [];
		const list = walk(events, {backgroundAfterMs: false});
		await list.restart();
		await Promise.all([list.more(), list.more()]);
		expect(events.map(ids)).toEqual([['room-0', 'room-1'], ['room-2', 'room-3']]);
		await list.loadById(['all', 'room-9']);
		expect(events.at(-1)).toMatchObject({conversations: [{conversationId: 'all'}], hasMore: true});
		expect(list.hasShown('all')).toBe(true);
		// A restart drops what the old walk had seen.
		await list.restart();
		expect(list.hasShown('room-3')).toBe(false);
		list.stop();
	});
});
