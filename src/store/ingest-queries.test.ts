import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {conversationIdFor} from '../protocol/index.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {openDb, type Db} from './db.js';
import {writeIngestBatch, type MessageRow} from './ingest-queries.js';
import {runMigrations} from './migrate.js';

const message = (id: string, from: string, to: string): MessageRow => ({
	messageId: id, senderId: from, senderName: from.toUpperCase(), receiverId: to, content: `text ${id}`,
	messageType: 'text', sentAt: '2026-01-01T00:00:00.000Z', conversationId: conversationIdFor(from, to),
});
const empty = {messages: [], receipts: [], presences: []};

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('writeIngestBatch', () => {
	let database: TestDatabase;
	let db: Db;
	const members = async (conversationId: string) =>
		(await db.query('SELECT user_id, peer_id, last_seq::int, last_read_seq::int FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id', [conversationId])).rows;
	const seqOf = async (id: string) => Number((await db.query('SELECT seq FROM chat_messages WHERE message_id = $1', [id])).rows[0]?.seq);

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url});
	});
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('stores a batch once however often it is written, with duplicates inside it', async () => {
		const batch = {...empty, messages: [message('d1', 'ann', 'ben'), message('d1', 'ann', 'ben'), message('d2', 'ben', 'ann')]};
		expect((await writeIngestBatch(db, batch)).inserted).toBe(2);
		expect((await writeIngestBatch(db, batch)).inserted).toBe(0);
		const {rows} = await db.query("SELECT count(*)::int AS n FROM message_status WHERE message_id IN ('d1', 'd2')");
		expect(rows[0]?.n).toBe(4);
		const [d1, d2] = [await seqOf('d1'), await seqOf('d2')];
		expect(d2).toBeGreaterThan(d1);
		// Each sender has read up to its own latest message; the other side's marker stays behind.
		expect(await members('ann:ben')).toEqual([
			{user_id: 'ann', peer_id: 'ben', last_seq: d2, last_read_seq: d1},
			{user_id: 'ben', peer_id: 'ann', last_seq: d2, last_read_seq: d2},
		]);
	});

	it('keeps one row for the sender of a broadcast, in conversation "all"', async () => {
		await writeIngestBatch(db, {...empty, messages: [message('b1', 'cat', 'all')]});
		const seq = await seqOf('b1');
		expect(await members('all')).toEqual([{user_id: 'cat', peer_id: 'all', last_seq: seq, last_read_seq: seq}]);
	});

	it('reports receipts as stored, missing (no message yet) or rejected (not from the recipient); read moves the marker', async () => {
		const at = '2026-01-01T00:00:01.000Z';
		const result = await writeIngestBatch(db, {
			...empty,
			messages: [message('r1', 'dan', 'eve')],
			receipts: [
				{messageId: 'r1', senderId: 'dan', status: 'read', userId: 'eve', at},
				{messageId: 'r-later', senderId: 'dan', status: 'delivered', userId: 'eve', at},
				{messageId: 'r1', senderId: 'dan', status: 'read', userId: 'mallory', at},
			],
		});
		expect(result.receiptOutcomes).toEqual(['stored', 'missing', 'rejected']);
		const seq = await seqOf('r1');
		expect((await members('dan:eve')).find((m) => m.user_id === 'eve')?.last_read_seq).toBe(seq);
		expect((await db.query("SELECT 1 FROM message_status WHERE user_id = 'mallory'")).rowCount).toBe(0);
	});

	it('stores delivered with a read that arrives without one, and keeps an earlier real delivered', async () => {
		const statuses = async (id: string) =>
			(await db.query<{status: string; user_id: string; timestamp: Date}>('SELECT status, user_id, timestamp FROM message_status WHERE message_id = $1 ORDER BY id', [id])).rows
				.map((r) => `${r.status}/${r.user_id}@${r.timestamp.toISOString().slice(17, 19)}`);
		await writeIngestBatch(db, {...empty, messages: [message('rd1', 'fay', 'gus'), message('rd2', 'fay', 'gus')]});
		await writeIngestBatch(db, {...empty, receipts: [{messageId: 'rd1', senderId: 'fay', status: 'read', userId: 'gus', at: '2026-01-01T00:00:07.000Z'}]});
		expect(await statuses('rd1')).toEqual(expect.arrayContaining(['delivered/gus@07', 'read/gus@07']));
		await writeIngestBatch(db, {...empty, receipts: [{messageId: 'rd2', senderId: 'fay', status: 'delivered', userId: 'gus', at: '2026-01-01T00:00:03.000Z'}]});
		await writeIngestBatch(db, {...empty, receipts: [{messageId: 'rd2', senderId: 'fay', status: 'read', userId: 'gus', at: '2026-01-01T00:00:09.000Z'}]});
		const rd2 = await statuses('rd2');
		expect(rd2.filter((s) => s.startsWith('delivered'))).toEqual(['delivered/gus@03']);
		expect(rd2).toContain('read/gus@09');
		expect(rd2).toHaveLength(4);
		// Both in one batch: the earlier, real delivered wins over the one a read implies.
		await writeIngestBatch(db, {...empty, messages: [message('rd3', 'fay', 'gus')]});
		await writeIngestBatch(db, {
			...empty,
			receipts: [
				{messageId: 'rd3', senderId: 'fay', status: 'read', userId: 'gus', at: '2026-01-01T00:00:09.000Z'},
				{messageId: 'rd3', senderId: 'fay', status: 'delivered', userId: 'gus', at: '2026-01-01T00:00:02.000Z'},
			],
		});
		expect((await statuses('rd3')).slice(2)).toEqual(['delivered/gus@02', 'read/gus@09']);
	});

	it('scopes a message id to its sender: a squatter neither blocks nor stands in for the victim (issue 11)', async () => {
		// The squatter (bob, alice's recipient) stores his message under alice's id first.
		const squat = await writeIngestBatch(db, {...empty, messages: [message('sq1', 'bob', 'alice')]});
		expect(squat).toMatchObject({inserted: 1, idClashes: []});
		const victim = await writeIngestBatch(db, {...empty, messages: [message('sq1', 'alice', 'bob')]});
		expect(victim.inserted).toBe(1);
		expect(victim.idClashes).toEqual([{messageId: 'sq1', senderId: 'alice', otherSenderId: 'bob'}]);
		const rows = await db.query("SELECT sender_id, content FROM chat_messages WHERE message_id = 'sq1' ORDER BY sender_id");
		expect(rows.rows).toEqual([{sender_id: 'alice', content: 'text sq1'}, {sender_id: 'bob', content: 'text sq1'}]);
		// Receipts reach the message of the sender whose topic they came on, from its recipient only.
		const at = '2026-01-01T00:00:05.000Z';
		const receipts = await writeIngestBatch(db, {...empty, receipts: [
			{messageId: 'sq1', senderId: 'alice', status: 'read', userId: 'bob', at},
			{messageId: 'sq1', senderId: 'bob', status: 'read', userId: 'bob', at},
		]});
		expect(receipts.receiptOutcomes).toEqual(['stored', 'rejected']);
		const statuses = await db.query("SELECT sender_id, status, user_id FROM message_status WHERE message_id = 'sq1' ORDER BY sender_id, id");
		expect(statuses.rows.map((r) => `${r.sender_id}:${r.status}/${r.user_id}`)).toEqual([
			'alice:sent/alice', 'alice:received_by_server/alice', 'alice:delivered/bob', 'alice:read/bob',
			'bob:sent/bob', 'bob:received_by_server/bob',
		]);
	});

	it('splits rejections into stored (confirm again) and refused (reject), writing nothing for them', async () => {
		await writeIngestBatch(db, {...empty, messages: [message('rj1', 'ivy', 'jon')]});
		const reason = 'contains a NUL character';
		const result = await writeIngestBatch(db, {...empty, rejections: [
			{messageId: 'rj1', senderId: 'ivy', reason},
			{messageId: 'rj1', senderId: 'jon', reason},
			{messageId: 'rj2', senderId: 'ivy', reason},
		]});
		expect(result.rejections).toEqual({
			stored: [{messageId: 'rj1', senderId: 'ivy', reason}],
			refused: [{messageId: 'rj1', senderId: 'jon', reason}, {messageId: 'rj2', senderId: 'ivy', reason}],
		});
		expect((await db.query("SELECT 1 FROM chat_messages WHERE message_id IN ('rj1', 'rj2')")).rowCount).toBe(1);
	});

	it('upserts presence, the last update per user winning', async () => {
		await writeIngestBatch(db, {
			...empty,
			presences: [
				{userId: 'fay', name: 'Fay', state: 'online', statusMessage: ''},
				{userId: 'fay', name: 'Fay F', state: 'away', statusMessage: 'lunch'},
			],
		});
		const {rows} = await db.query("SELECT display_name, presence, status_message FROM chat_users WHERE user_id = 'fay'");
		expect(rows).toEqual([{display_name: 'Fay F', presence: 'away', status_message: 'lunch'}]);
	});
});
