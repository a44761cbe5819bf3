// The page around one message (opening a search hit in context), on the real PostgreSQL.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {openDb, type Db} from './db.js';
import {loadPageAround} from './history-around.js';
import {runMigrations} from './migrate.js';

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('loadPageAround', () => {
	let database: TestDatabase;
	let db: Db;
	let seqs: number[];

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 1});
		// 20 messages in alice:bob interleaved with 20 in another conversation (seq gaps).
		const {rows} = await db.query<{seq: string; conversation_id: string}>(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
			SELECT 'm' || i, 'alice', 'Alice', 'bob', 'text ' || i, CASE WHEN i % 2 = 0 THEN 'alice:bob' ELSE 'carol:dave' END
			FROM generate_series(1, 40) AS i ORDER BY i RETURNING seq, conversation_id`);
		seqs = rows.filter((r) => r.conversation_id === 'alice:bob').map((r) => Number(r.seq)).sort((a, b) => a - b);
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	const contents = (page: {messages: Array<{content: string}>}) => page.messages.map((m) => Number(m.content.slice(5)));

	it('returns the focus with older messages before it and newer after it, oldest first', async () => {
		const page = await loadPageAround(db, 'alice:bob', seqs[9]!, 6, 'bob');
		expect(contents(page)).toEqual([16, 18, 20, 22, 24, 26]);
		expect(page).toMatchObject({hasMore: true, hasNewer: true});
	});

	it('says when the page reaches either end of the conversation', async () => {
		expect(await loadPageAround(db, 'alice:bob', seqs[1]!, 6)).toMatchObject({hasMore: false, hasNewer: true});
		expect(contents(await loadPageAround(db, 'alice:bob', seqs[1]!, 6))).toEqual([2, 4, 6, 8, 10]);
		const end = await loadPageAround(db, 'alice:bob', seqs[19]!, 6);
		expect(contents(end)).toEqual([36, 38, 40]);
		expect(end).toMatchObject({hasMore: true, hasNewer: false});
		expect(contents(await loadPageAround(db, 'alice:bob', seqs[19]!, 1))).toEqual([40]);
	});
});
