// Edits, deletes, reactions and replies as the ingester writes them (writeIngestBatch), on the
// real PostgreSQL: rights, versions, idempotency, and that deleted text is gone everywhere.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {MAX_DISTINCT_REACTIONS} from '../protocol/index.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {openDb, type Db} from './db.js';
import {writeIngestBatch, type MessageActionRow, type MessageRow, type RoomRow} from './ingest-queries.js';
import {runMigrations} from './migrate.js';

const AT = '2026-01-01T00:00:00.000Z';
const ROOM = 'room-act-0001';
const empty = {messages: [], receipts: [], presences: []};
const post = (id: string, from: string, conversationId: string, extra: Partial<MessageRow> = {}): MessageRow => ({
	messageId: id, senderId: from, senderName: from.toUpperCase(), receiverId: conversationId, content: `text of ${id}`,
	messageType: 'text', sentAt: AT, conversationId, version: 2, ...extra,
});
const act = (kind: MessageActionRow['kind'], id: string, actor: string, target: [string, string], extra: Partial<MessageActionRow> = {}): MessageActionRow => ({
	kind, actionId: id, actorId: actor, actorName: actor.toUpperCase(), conversationId: ROOM, targetSenderId: target[0], targetMessageId: target[1], sentAt: AT, ...extra,
});
const createRoom: RoomRow = {messageId: 'r-create', conversationId: ROOM, senderId: 'ada', senderName: 'ADA', action: 'create', title: 'Acts', userIds: ['bo', 'cy'], sentAt: AT};

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('message actions in writeIngestBatch', () => {
	let database: TestDatabase;
	let db: Db;
	const row = async (id: string, sender: string): Promise<Record<string, unknown> | undefined> =>
		(await db.query('SELECT content, version, edited_at, deleted_at, deleted_by, reply_to_seq::int FROM chat_messages WHERE message_id = $1 AND sender_id = $2', [id, sender])).rows[0];
	const versions = async (id: string) => (await db.query('SELECT version, content, replaced_by FROM message_versions WHERE message_id = $1 ORDER BY version', [id])).rows;
	const actions = (list: MessageActionRow[]) => writeIngestBatch(db, {...empty, actions: list});

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url});
		await writeIngestBatch(db, {...empty, rooms: [createRoom], messages: [post('m1', 'bo', ROOM), post('m2', 'cy', ROOM), post('m3', 'bo', ROOM)]});
	});
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('stores a reply with its original in the same conversation and delivers the quote', async () => {
		const result = await writeIngestBatch(db, {...empty, messages: [
			post('re1', 'cy', ROOM, {replyTo: {senderId: 'bo', messageId: 'm1'}}),
			// Another conversation's message is not a quote: stored as a plain message.
			post('re2', 'ada', 'ada:bo', {receiverId: 'bo', replyTo: {senderId: 'bo', messageId: 'm1'}}),
		]});
		expect(result.stored.find((m) => m.messageId === 're1')?.replyTo).toEqual({senderId: 'bo', messageId: 'm1', seq: expect.any(Number), senderName: 'BO', preview: 'text of m1'});
		expect(result.stored.find((m) => m.messageId === 're2')?.replyTo).toBeUndefined();
		expect((await row('re2', 'ada'))!.reply_to_seq).toBeNull();
		expect((await row('re1', 'cy'))!.reply_to_seq).toBe(result.stored[0]!.replyTo!.seq);
	});

	it('applies an edit once, keeps the earlier text, resets reads, and never lets a stale edit win', async () => {
		await writeIngestBatch(db, {...empty, receipts: [{messageId: 'm1', senderId: 'bo', status: 'read', userId: 'cy', at: AT, conversationId: ROOM}]});
		const edit2 = act('edit', 'e-2', 'bo', ['bo', 'm1'], {content: 'second', version: 2});
		const edit1 = act('edit', 'e-1', 'bo', ['bo', 'm1'], {content: 'first', version: 1});
		const applied = await actions([edit2]);
		expect(applied.confirmations.map((c) => c.messageId)).toEqual(['e-2']);
		expect(applied.changes).toMatchObject([{kind: 'edit', content: 'second', version: 2, recipients: ['ada', 'bo', 'cy']}]);
		// A re-send is confirmed again and changes nothing; the older edit arriving late is refused.
		const again = await actions([edit2, edit1]);
		expect(again.confirmations.map((c) => c.messageId)).toEqual(['e-2']);
		expect(again.rejections.refused).toEqual([{messageId: 'e-1', senderId: 'bo', reason: 'a newer edit is stored (version 2)', conversationId: ROOM}]);
		expect(await row('m1', 'bo')).toMatchObject({content: 'second', version: 2, edited_at: expect.any(Date)});
		expect(await versions('m1')).toEqual([{version: 0, content: 'text of m1', replaced_by: 'bo'}]);
		const reads = await db.query("SELECT 1 FROM message_status WHERE message_id = 'm1' AND status = 'read'");
		const delivered = await db.query("SELECT 1 FROM message_status WHERE message_id = 'm1' AND status = 'delivered' AND user_id = 'cy'");
		expect([reads.rowCount, delivered.rowCount]).toEqual([0, 1]);
	});

	it('refuses what the actor may not do, with a reason, and writes nothing', async () => {
		await writeIngestBatch(db, {...empty, messages: [post('dm1', 'ada', 'ada:bo', {receiverId: 'bo'})]});
		const result = await actions([
			act('edit', 'x-1', 'cy', ['bo', 'm3'], {content: 'mine now', version: 1}),
			act('delete', 'x-2', 'cy', ['bo', 'm3']),
			act('react', 'x-3', 'zed', ['bo', 'm3'], {emoji: '👍', isOn: true}),
			act('react', 'x-4', 'cy', ['ada', 'dm1'], {emoji: '👍', isOn: true, conversationId: 'ada:bo'}),
			act('react', 'x-5', 'cy', ['ada', 'dm1'], {emoji: '👍', isOn: true}),
			act('edit', 'x-6', 'ada', ['ada', 'r-create'], {content: 'new', version: 1}),
		]);
		expect(result.rejections.refused.map((r) => [r.messageId, r.reason])).toEqual([
			['x-1', 'you can only edit your own messages'],
			['x-2', 'you can only delete your own messages (or any, as a room admin)'],
			['x-3', 'you are not a member of this conversation'],
			['x-4', 'you are not a member of this conversation'],
			['x-5', 'no such message in this conversation'],
			['x-6', 'only text messages can be edited'],
		]);
		expect(result.refusedByRules.actions).toBe(6);
		expect(await row('m3', 'bo')).toMatchObject({content: 'text of m3', version: 0, deleted_at: null});
		expect((await db.query("SELECT count(*)::int AS n FROM message_reactions WHERE message_id IN ('m3', 'dm1')")).rows[0]!.n).toBe(0);
	});

	it('lets a room admin delete anyone\'s message: the text is gone from the row and every version, and no edit comes after', async () => {
		await actions([act('edit', 'c-e1', 'cy', ['cy', 'm2'], {content: 'secret v1', version: 1})]);
		const deleted = await actions([act('delete', 'a-d1', 'ada', ['cy', 'm2'])]);
		expect(deleted.changes).toMatchObject([{kind: 'delete', deletedBy: 'ada', recipients: ['ada', 'bo', 'cy']}]);
		expect(await row('m2', 'cy')).toMatchObject({content: '', deleted_by: 'ada', deleted_at: expect.any(Date)});
		expect(await versions('m2')).toEqual([{version: 0, content: '', replaced_by: 'cy'}]);
		const leftovers = await db.query("SELECT count(*)::int AS n FROM message_versions WHERE content LIKE '%text of m2%' OR content LIKE '%secret%'");
		expect(leftovers.rows[0]!.n).toBe(0);
		const late = await actions([act('edit', 'c-e2', 'cy', ['cy', 'm2'], {content: 'back', version: 2}), act('react', 'c-r', 'bo', ['cy', 'm2'], {emoji: '👍', isOn: true})]);
		expect(late.rejections.refused.map((r) => r.reason)).toEqual(['the message was deleted', 'the message was deleted']);
		// cy's earlier edit re-sent now: confirmed again, and what is delivered is the delete, by ada.
		const resent = await actions([act('edit', 'c-e1', 'cy', ['cy', 'm2'], {content: 'secret v1', version: 1})]);
		expect(resent.confirmations.map((c) => c.messageId)).toEqual(['c-e1']);
		expect(resent.changes).toMatchObject([{kind: 'delete', deletedBy: 'ada'}]);
		expect((await row('m2', 'cy'))!.content).toBe('');
	});

	it('toggles reactions once per (user, emoji) and caps the distinct emoji of a message', async () => {
		const on = act('react', 'r-1', 'ada', ['bo', 'm3'], {emoji: '👍', isOn: true});
		await actions([on, on, act('react', 'r-2', 'cy', ['bo', 'm3'], {emoji: '👍', isOn: true})]);
		const count = async () => (await db.query("SELECT emoji, count(*)::int AS n FROM message_reactions WHERE message_id = 'm3' GROUP BY emoji")).rows;
		expect(await count()).toEqual([{emoji: '👍', n: 2}]);
		const off = await actions([act('react', 'r-3', 'ada', ['bo', 'm3'], {emoji: '👍', isOn: false})]);
		expect(off.changes).toMatchObject([{kind: 'react', isOn: false, row: {emoji: '👍', actorId: 'ada'}}]);
		// The re-sent "on" (same id) after the "off" is a duplicate: it does not put it back.
		const resent = await actions([on]);
		expect(resent.changes).toMatchObject([{kind: 'react', isOn: false}]);
		expect(await count()).toEqual([{emoji: '👍', n: 1}]);
		const emoji = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '😚', '🙂', '🤗', '🤩'];
		const many = await actions(emoji.map((e, i) => act('react', `many-${i}`, 'bo', ['bo', 'm3'], {emoji: e, isOn: true})));
		expect(many.rejections.refused).toHaveLength(emoji.length + 1 - MAX_DISTINCT_REACTIONS);
		expect(many.rejections.refused[0]?.reason).toBe(`a message has at most ${MAX_DISTINCT_REACTIONS} different reactions`);
	});

	it('in the broadcast "all": anyone reacts, only the author edits or deletes (nobody is admin there)', async () => {
		await writeIngestBatch(db, {...empty, messages: [post('b1', 'bo', 'all')]});
		const inAll = {conversationId: 'all'};
		const result = await actions([
			act('react', 'all-r', 'zed', ['bo', 'b1'], {...inAll, emoji: '👋', isOn: true}),
			act('delete', 'all-d', 'ada', ['bo', 'b1'], inAll),
			act('edit', 'all-e', 'bo', ['bo', 'b1'], {...inAll, content: 'hello all', version: 1}),
		]);
		expect(result.confirmations.map((c) => c.messageId)).toEqual(['all-r', 'all-e']);
		expect(result.rejections.refused.map((r) => r.reason)).toEqual(['you can only delete your own messages (or any, as a room admin)']);
		expect(result.changes.map((c) => c.recipients)).toEqual(['all', 'all']);
	});
});
