// Migration 010 (issue 12): every insert into chat_messages advances its conversation's
// last_seq/last_message_at (a statement trigger, for the Hermes source system's own inserts too),
// the upgrade backfills what was left behind, and the conversation list is ordered from them
// alone: it reads the newest message only for the rows it returns, and counts unread only where
// the reader's marker is behind last_seq. On PostgreSQL and on PGlite (the embedded hub).
import {cp, mkdtemp, readdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {describeOnBothDatabases} from '../../test/helpers/both-databases.js';
import {openDb, type Db} from './db.js';
import {CONVERSATIONS_QUERY, conversationPageParams, loadConversations} from './history-people.js';
import {migrationsDir, runMigrations} from './migrate.js';

const logger = silentLogger();
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));

/** A temporary folder holding the migrations before 010, as the previous release shipped them. */
async function migrationsBefore010(): Promise<string> {
	const dir = await mkdtemp(join('/tmp', 'list-order-migrations-'));
	for (const file of await readdir(migrationsDir())) if (file < '010') await cp(join(migrationsDir(), file), join(dir, file));
	return dir;
}

// A source-system style insert: chat_messages rows only, conversations left as they are.
const insertMessages = (db: Db, rows: Array<[id: string, sender: string, conversation: string, minute: number]>) =>
	db.query(
		`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
		SELECT t.id, t.sender, t.sender, t.conversation, 'text ' || t.id, t.conversation, t.created_at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS t(id, sender, conversation, created_at, ord)
		ORDER BY t.ord
		ON CONFLICT (message_id, sender_id) DO NOTHING`,
		[rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => at(r[3]))],
	);

/** conversations' stored facts against what chat_messages holds (newest seq and storage time). */
async function facts(db: Db) {
	const {rows} = await db.query<{id: string; last_seq: string; last_message_at: Date | null; max_seq: string | null; max_at: Date | null}>(
		`SELECT c.id, c.last_seq, c.last_message_at, max(m.seq) AS max_seq, max(m.created_at) AS max_at
		FROM conversations c LEFT JOIN chat_messages m ON m.conversation_id = c.id GROUP BY c.id ORDER BY c.id`);
	return rows.map((r) => ({id: r.id, lastSeq: r.last_seq, lastAt: r.last_message_at?.toISOString() ?? null, maxSeq: r.max_seq, maxAt: r.max_at?.toISOString() ?? null}));
}

async function plan(db: Db, userId: string, limit: number): Promise<string> {
	const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${CONVERSATIONS_QUERY}`, conversationPageParams(userId, limit));
	return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** `loops=` of the plan node scanning chat_messages under `alias` (undefined: never executed or absent). */
function loopsOf(text: string, alias: string): number | undefined {
	const line = text.split('\n').find((l) => new RegExp(`on chat_messages ${alias}\\b`).test(l));
	const loops = line?.match(/loops=(\d+)/);
	return loops ? Number(loops[1]) : undefined;
}

function listOrderSuite(connect: () => Promise<string>) {
	let url: string;
	let oldDir: string;
	let db: Db;
	beforeAll(async () => {
		url = await connect();
		oldDir = await migrationsBefore010();
		db = openDb({databaseUrl: url, max: 1});
	});
	afterAll(async () => {
		await db?.close();
		if (oldDir) await rm(oldDir, {recursive: true, force: true});
	});

	it('backfills the newest seq and time the source system left behind, keeping a later stored time', async () => {
		expect(await runMigrations({databaseUrl: url, logger, dir: oldDir})).toContain('009_list_speed');
		// Before 010 nothing moves the columns for a writer other than the ingester.
		await insertMessages(db, [['s-1', 'alice', 'alice:bob', 1], ['s-2', 'bob', 'alice:bob', 2], ['s-3', 'carol', 'alice:carol', 3], ['s-4', 'alice', 'alice:dave', 4], ['s-5', 'carol', 'all', 5]]);
		await db.query('UPDATE conversations SET last_message_at = $2 WHERE id = $1', ['alice:dave', at(30)]);
		const before = await facts(db);
		expect(before.find((c) => c.id === 'alice:bob')).toMatchObject({lastSeq: '0', lastAt: null});

		expect(await runMigrations({databaseUrl: url, logger})).toContain('010_list_order');
		const after = await facts(db);
		expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
		for (const c of after) {
			expect(c.lastSeq, c.id).toBe(c.maxSeq ?? '0');
			expect(c.lastAt, c.id).toBe(c.id === 'alice:dave' ? at(30).toISOString() : c.maxAt);
		}
	});

	it('keeps them exact for every later insert: many rows in one statement, a re-sent copy, an older time', async () => {
		await insertMessages(db, [['s-6', 'bob', 'alice:bob', 6], ['s-7', 'carol', 'alice:carol', 7], ['s-8', 'bob', 'alice:bob', 8]]);
		await insertMessages(db, [['s-6', 'bob', 'alice:bob', 50]]); // a copy: stored once, nothing moves
		await insertMessages(db, [['s-9', 'alice', 'alice:carol', 0]]); // a later seq with an earlier time
		for (const c of await facts(db)) {
			expect(c.lastSeq, c.id).toBe(c.maxSeq ?? '0');
			expect(c.lastAt, c.id).toBe(c.id === 'alice:dave' ? at(30).toISOString() : c.maxAt);
		}
		expect((await facts(db)).find((c) => c.id === 'alice:bob')?.lastAt).toBe(at(8).toISOString());
	});

	it('lists by last activity, reading the newest message only for the rows it returns and unread only where the marker is behind', async () => {
		// alice has read alice:bob and alice:dave up to their newest message; alice:carol and all not.
		await db.query(`UPDATE conversation_members m SET last_read_seq = c.last_seq FROM conversations c
			WHERE c.id = m.conversation_id AND m.user_id = 'alice' AND m.conversation_id IN ('alice:bob', 'alice:dave')`);
		const all = await loadConversations(db, 'alice');
		expect(all.map((c) => [c.conversationId, c.unread, c.lastMessage?.content])).toEqual([
			['alice:dave', 0, 'text s-4'],
			['alice:bob', 0, 'text s-8'],
			['alice:carol', 2, 'text s-9'],
			['all', 1, 'text s-5'],
		]);
		expect(all.map((c) => c.lastActivityAt)).toEqual([at(30), at(8), at(7), at(5)].map((d) => d.getTime()));
		expect((await loadConversations(db, 'alice', 2)).map((c) => c.conversationId)).toEqual(['alice:dave', 'alice:bob']);

		const firstTwo = await plan(db, 'alice', 2);
		expect(loopsOf(firstTwo, 'm')).toBe(2); // not one probe per conversation (4)
		expect(loopsOf(firstTwo, 'x_1') ?? loopsOf(firstTwo, 'x')).toBeUndefined(); // both read: no unread scan
		const everything = await plan(db, 'alice', 10);
		expect(loopsOf(everything, 'm')).toBe(4);
		expect(loopsOf(everything, 'x_1') ?? loopsOf(everything, 'x')).toBe(2); // alice:carol and all
	});
}

await describeOnBothDatabases('migration 010 and the conversation list', listOrderSuite);
