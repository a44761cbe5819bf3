// The read side of rooms (issue 8) on the real PostgreSQL: the conversation list, members,
// history pages with system lines, per-member receipts and catch-up, on migration 004.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {loadUnreceiptedMessages, loadReceiptsOnMine} from './catch-up.js';
import {openDb, type Db} from './db.js';
import {loadConversations, loadMembers} from './history-people.js';
import {loadLatestPage, loadMemberReceipts, loadMessageReceipts, loadOlderPage, PAGE_QUERIES} from './history.js';
import {runMigrations} from './migrate.js';

const ROOM = 'room-3f1d2c4e-ops';
const BIG = 'room-big';
const T0 = Date.parse('2026-01-05T10:00:00Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

/** The lines of the plan node scanning `relation`, up to its first subplan. */
const scanDetails = (plan: string, relation: string): string => {
	const lines = plan.split('\n');
	const start = lines.findIndex((line) => line.includes(` on ${relation} `));
	if (start < 0) return '';
	const end = lines.findIndex((line, i) => i > start && /^\s*(->|SubPlan|InitPlan)/.test(line));
	return lines.slice(start, end < 0 ? undefined : end).join('\n');
};

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('rooms read side (conversations, members, pages, receipts, catch-up)', () => {
	let database: TestDatabase;
	let db: Db;
	const message = async (id: string, sender: string, conversation: string, receiver: string, content: string, minute: number, type = 'text'): Promise<number> => {
		const {rows} = await db.query<{seq: string}>(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, created_at)
			VALUES ($1, $2::text, initcap($2::text), $3, $4, $5, $6, $7) RETURNING seq`,
			[id, sender, receiver, content, type, conversation, at(minute)],
		);
		await db.query('UPDATE conversations SET last_seq = $2, last_message_at = $3 WHERE id = $1', [conversation, rows[0]!.seq, at(minute)]);
		return Number(rows[0]!.seq);
	};
	const receipt = (id: string, sender: string, status: string, user: string, minute: number) =>
		db.query('INSERT INTO message_status (message_id, sender_id, status, user_id, timestamp) VALUES ($1, $2, $3, $4, $5)', [id, sender, status, user, at(minute)]);

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 1});
		await db.query(`INSERT INTO chat_users (user_id, display_name, presence, last_seen_at) VALUES
			('alice', 'Alice A', 'online', $1), ('bob', 'Bob B', 'away', $1), ('carol', 'Carol C', 'offline', $1), ('dave', 'Dave D', 'offline', $1)`, [at(0)]);
		await db.query(`INSERT INTO conversations (id, kind, title, topic, created_by, created_at) VALUES
			($1, 'group', 'Ops', 'deploys', 'alice', $2), ('alice:bob', 'direct', '', '', NULL, $2)`, [ROOM, at(1)]);
		await db.query(`INSERT INTO conversation_members (user_id, conversation_id, role, joined_at, left_at, last_read_seq) VALUES
			('alice', $1, 'admin', $2, NULL, 0), ('bob', $1, 'member', $2, NULL, 0), ('carol', $1, 'member', $2, NULL, 0),
			('dave', $1, 'member', $2, $3, 0), ('alice', 'alice:bob', 'member', $2, NULL, 0), ('bob', 'alice:bob', 'member', $2, NULL, 0)`, [ROOM, at(1), at(3)]);
		await message('sys-1', 'alice', ROOM, ROOM, 'alice created "Ops"', 1, 'system');
		await message('r-1', 'bob', ROOM, ROOM, 'hi room', 2);
		await message('d-1', 'bob', 'alice:bob', 'alice', 'hi alice', 4);
		await message('b-1', 'carol', 'all', 'all', 'hello everyone', 5);
		await message('r-2', 'alice', ROOM, ROOM, 'hello all', 6);
		await receipt('r-2', 'alice', 'sent', 'alice', 6);
		await receipt('r-2', 'alice', 'received_by_server', 'alice', 6);
		await receipt('r-2', 'alice', 'delivered', 'bob', 7);
		await receipt('r-2', 'alice', 'read', 'bob', 8);
		await receipt('r-2', 'alice', 'delivered', 'carol', 9);
		// Eve joins after r-2 was stored: its ticks do not wait for her.
		await db.query(`INSERT INTO conversation_members (user_id, conversation_id, joined_at) VALUES ('eve', $1, $2)`, [ROOM, at(10)]);
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('lists rooms, direct chats and `all` with title, members, role, unread and my last message tick', async () => {
		const list = await loadConversations(db, 'alice');
		expect(list.map((c) => c.conversationId)).toEqual([ROOM, 'all', 'alice:bob']);
		expect(list[0]).toEqual({
			conversationId: ROOM, kind: 'group', title: 'Ops', topic: 'deploys', memberCount: 4, role: 'admin', isMuted: false,
			unread: 1, // bob's line; the system line is mine
			lastMessage: {messageId: 'r-2', senderId: 'alice', senderName: 'Alice A', content: 'hello all', createdAt: at(6).getTime(), messageType: 'text', status: 'delivered'},
			lastActivityAt: at(6).getTime(),
		});
		expect(list[1]).toMatchObject({kind: 'broadcast', title: 'everyone', memberCount: 0, unread: 1, lastMessage: {senderName: 'Carol C'}});
		expect(list[1]!.lastMessage).not.toHaveProperty('status');
		expect(list[2]).toMatchObject({kind: 'direct', title: 'Bob B', peerId: 'bob', memberCount: 2, unread: 1});
		expect(list[2]).not.toHaveProperty('role');
	});

	it('ticks ✓✓ read only when every member who was there has read; leavers and later joiners do not count', async () => {
		await receipt('r-2', 'alice', 'read', 'carol', 11);
		expect((await loadConversations(db, 'alice'))[0]!.lastMessage?.status).toBe('read');
		const page = await loadLatestPage(db, ROOM, 10, 'alice');
		expect(page.messages.map((m) => [m.messageId, m.messageType, m.status])).toEqual([
			['sys-1', 'system', 'sent'],
			['r-1', 'text', 'sent'],
			['r-2', 'text', 'read'],
		]);
	});

	it('leaves out rooms I left, and mute/role are mine', async () => {
		expect((await loadConversations(db, 'dave')).map((c) => c.conversationId)).toEqual(['all']);
		await db.query(`UPDATE conversation_members SET is_muted = true WHERE user_id = 'bob' AND conversation_id = $1`, [ROOM]);
		expect((await loadConversations(db, 'bob')).find((c) => c.conversationId === ROOM)).toMatchObject({isMuted: true, role: 'member', unread: 2});
	});

	it('loads the current members, admins first, with stored presence', async () => {
		const members = await loadMembers(db, ROOM);
		expect(members.map((m) => [m.userId, m.name, m.role])).toEqual([
			['alice', 'Alice A', 'admin'], ['bob', 'Bob B', 'member'], ['carol', 'Carol C', 'member'], ['eve', 'eve', 'member'],
		]);
		expect(members[1]).toMatchObject({joinedAt: at(1).getTime(), isMuted: true, lastReadSeq: 0, presence: {state: 'away', at: at(0).getTime()}});
		expect(members[3]).not.toHaveProperty('presence');
		expect(await loadMembers(db, 'room-nope')).toEqual([]);
	});

	it('gives per-member delivered/read times of one message, and its status rows', async () => {
		expect(await loadMemberReceipts(db, 'alice', 'r-2')).toEqual([
			{userId: 'bob', name: 'Bob B', deliveredAt: at(7).getTime(), readAt: at(8).getTime()},
			{userId: 'carol', name: 'Carol C', deliveredAt: at(9).getTime(), readAt: at(11).getTime()},
		]);
		expect((await loadMessageReceipts(db, 'alice', 'r-2')).map((r) => [r.status, r.userId, r.senderId])).toEqual([
			['sent', 'alice', 'alice'], ['received_by_server', 'alice', 'alice'], ['delivered', 'bob', 'alice'],
			['read', 'bob', 'alice'], ['delivered', 'carol', 'alice'], ['read', 'carol', 'alice'],
		]);
		expect(await loadMemberReceipts(db, 'bob', 'r-2')).toEqual([]);
	});

	it('catches up on messages of my current conversations (rooms included) and receipts on mine', async () => {
		const missed = await loadUnreceiptedMessages(db, 'carol', 0);
		expect(missed.map((m) => m.message.messageId)).toEqual(['sys-1', 'r-1']);
		expect(missed[0]!.message.messageType).toBe('system');
		expect((await loadUnreceiptedMessages(db, 'alice', 0)).map((m) => m.message.messageId)).toEqual(['r-1', 'd-1', 'b-1']);
		// Dave left the room: its messages are not his to catch up on.
		expect((await loadUnreceiptedMessages(db, 'dave', 0)).map((m) => m.message.messageId)).toEqual(['b-1']);
		const seqOfR1 = (await loadLatestPage(db, ROOM, 10)).messages[1]!.seq;
		expect((await loadUnreceiptedMessages(db, 'alice', seqOfR1)).map((m) => m.message.messageId)).toEqual(['d-1', 'b-1']);
		const receipts = await loadReceiptsOnMine(db, 'alice', 0);
		expect(receipts.map((r) => [r.status, r.userId, r.senderId])).toEqual([
			['delivered', 'bob', 'alice'], ['read', 'bob', 'alice'], ['delivered', 'carol', 'alice'], ['read', 'carol', 'alice'],
		]);
	});

	describe('a room of 100,000 messages', () => {
		beforeAll(async () => {
			await db.query(`INSERT INTO conversations (id, kind, title, created_by, created_at) VALUES ($1, 'group', 'Big', 'alice', $2)`, [BIG, at(0)]);
			await db.query(`INSERT INTO conversation_members (user_id, conversation_id, role, joined_at)
				SELECT 'member' || i, $1, 'member', $2 FROM generate_series(1, 30) AS i`, [BIG, at(0)]);
			await db.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
				SELECT 'big-' || i, 'member' || (i % 30 + 1), 'M', $1, 'message ' || i, $1, $2::timestamptz + i * interval '1 second'
				FROM generate_series(1, 100000) AS i ORDER BY i`, [BIG, at(20)]);
			// Newer traffic elsewhere, so the unique seq index is the tempting wrong plan.
			await db.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
				SELECT 'newer-' || i, 'bob', 'B', 'alice', 'x', 'alice:bob', $1::timestamptz + i * interval '1 second'
				FROM generate_series(1, 20000) AS i ORDER BY i`, [at(5_000)]);
			await db.query('ANALYZE');
		}, 60_000);

		it('opens it reading one page (latest and older) by index', async () => {
			const latest = await loadLatestPage(db, BIG, 50);
			expect(latest.messages.at(-1)?.content).toBe('message 100000');
			expect(latest.hasMore).toBe(true);
			for (const [sql, params] of [
				[PAGE_QUERIES.latest, [BIG, 51, 'member1']],
				[PAGE_QUERIES.older, [BIG, latest.messages[0]!.seq, 51, 'member1']],
			] as const) {
				const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, [...params]);
				const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
				expect(plan).toMatch(/Index Scan Backward using chat_messages_conversation_seq on chat_messages m \(actual time=[\d.]+\.\.[\d.]+ rows=51 loops=1\)/);
				// (Small tables — members, the few status rows here — may be scanned whole; chat_messages never.)
				expect(plan).not.toMatch(/Seq Scan on chat_messages|Sort Key: m\./);
				expect(scanDetails(plan, 'chat_messages m')).not.toMatch(/Rows Removed by Filter/);
			}
			const older = await loadOlderPage(db, BIG, latest.messages[0]!.seq, 50);
			expect(older.messages.at(-1)?.content).toBe('message 99950');
		});
	});
});
