import {describe, expect, it} from 'vitest';
import {conversationIdFor} from '../protocol/index.js';
import {isPostgresReachable, useMigratedDatabase} from '../../test/helpers/db.js';
import {writeIngestBatch, type MessageRow, type RoomRow} from './ingest-queries.js';

const message = (id: string, from: string, to: string): MessageRow => ({
	messageId: id, senderId: from, senderName: from.toUpperCase(), receiverId: to, content: `text ${id}`,
	messageType: 'text', sentAt: '2026-01-01T00:00:00.000Z', conversationId: conversationIdFor(from, to),
});
const empty = {messages: [], receipts: [], presences: []};
const ROOM = 'room-0b1c2d3e-0000-4000-8000-000000000001';
const inRoom = (id: string, from: string, room = ROOM): MessageRow => ({...message(id, from, room), receiverId: room, conversationId: room, version: 2});
const action = (id: string, from: string, extra: Partial<RoomRow>): RoomRow => ({
	messageId: id, conversationId: ROOM, senderId: from, senderName: from.toUpperCase(), action: 'create', userIds: [], sentAt: '2026-01-01T00:00:00.000Z', ...extra,
});

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('writeIngestBatch', () => {
	const suite = useMigratedDatabase();
	const members = async (conversationId: string) =>
		(await suite.db.query('SELECT user_id, role, left_at IS NULL AS is_current, last_read_seq::int FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id', [conversationId])).rows;
	const conversation = async (id: string) =>
		(await suite.db.query('SELECT kind, last_seq::int, created_by FROM conversations WHERE id = $1', [id])).rows[0];
	const seqOf = async (id: string) => Number((await suite.db.query('SELECT seq FROM chat_messages WHERE message_id = $1', [id])).rows[0]?.seq);


	it('stores a batch once however often it is written, with duplicates inside it', async () => {
		const batch = {...empty, messages: [message('d1', 'ann', 'ben'), message('d1', 'ann', 'ben'), message('d2', 'ben', 'ann')]};
		expect((await writeIngestBatch(suite.db, batch)).inserted).toBe(2);
		expect((await writeIngestBatch(suite.db, batch)).inserted).toBe(0);
		const {rows} = await suite.db.query("SELECT count(*)::int AS n FROM message_status WHERE message_id IN ('d1', 'd2')");
		expect(rows[0]?.n).toBe(4);
		const [d1, d2] = [await seqOf('d1'), await seqOf('d2')];
		expect(d2).toBeGreaterThan(d1);
		// Each sender has read up to its own latest message; the other side's marker stays behind.
		expect(await members('ann:ben')).toEqual([
			{user_id: 'ann', role: 'member', is_current: true, last_read_seq: d1},
			{user_id: 'ben', role: 'member', is_current: true, last_read_seq: d2},
		]);
		// The first message created the direct conversation; it holds the newest seq.
		expect(await conversation('ann:ben')).toEqual({kind: 'direct', last_seq: d2, created_by: 'ann'});
	});

	it('stores the @mentions of a text message (migration 007), NULL when it has none', async () => {
		const batch = {...empty, messages: [
			{...message('m1', 'ann', 'ben'), content: 'hi @ben, ask @carol.'},
			{...message('m2', 'ann', 'ben'), content: 'mail ann@example.com'},
			{...message('m3', 'ann', 'ben'), content: '@ben', messageType: 'notification'},
		]};
		await writeIngestBatch(suite.db, batch);
		const {rows} = await suite.db.query("SELECT message_id, mentions FROM chat_messages WHERE message_id IN ('m1', 'm2', 'm3') ORDER BY message_id");
		expect(rows).toEqual([
			{message_id: 'm1', mentions: ['ben', 'carol']},
			{message_id: 'm2', mentions: null},
			{message_id: 'm3', mentions: null},
		]);
	});

	it('keeps one row for the sender of a broadcast, in conversation "all"', async () => {
		await writeIngestBatch(suite.db, {...empty, messages: [message('b1', 'cat', 'all')]});
		const seq = await seqOf('b1');
		expect(await members('all')).toEqual([{user_id: 'cat', role: 'member', is_current: true, last_read_seq: seq}]);
		expect(await conversation('all')).toMatchObject({kind: 'broadcast', last_seq: seq});
	});

	it('reports receipts as stored, missing (no message yet) or rejected (not from a member other than the sender); read moves the marker', async () => {
		const at = '2026-01-01T00:00:01.000Z';
		const result = await writeIngestBatch(suite.db, {
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
		expect((await suite.db.query("SELECT 1 FROM message_status WHERE user_id = 'mallory'")).rowCount).toBe(0);
	});

	it('stores delivered with a read that arrives without one, and keeps an earlier real delivered', async () => {
		const statuses = async (id: string) =>
			(await suite.db.query<{status: string; user_id: string; timestamp: Date}>('SELECT status, user_id, timestamp FROM message_status WHERE message_id = $1 ORDER BY id', [id])).rows
				.map((r) => `${r.status}/${r.user_id}@${r.timestamp.toISOString().slice(17, 19)}`);
		await writeIngestBatch(suite.db, {...empty, messages: [message('rd1', 'fay', 'gus'), message('rd2', 'fay', 'gus')]});
		await writeIngestBatch(suite.db, {...empty, receipts: [{messageId: 'rd1', senderId: 'fay', status: 'read', userId: 'gus', at: '2026-01-01T00:00:07.000Z'}]});
		expect(await statuses('rd1')).toEqual(expect.arrayContaining(['delivered/gus@07', 'read/gus@07']));
		await writeIngestBatch(suite.db, {...empty, receipts: [{messageId: 'rd2', senderId: 'fay', status: 'delivered', userId: 'gus', at: '2026-01-01T00:00:03.000Z'}]});
		await writeIngestBatch(suite.db, {...empty, receipts: [{messageId: 'rd2', senderId: 'fay', status: 'read', userId: 'gus', at: '2026-01-01T00:00:09.000Z'}]});
		const rd2 = await statuses('rd2');
		expect(rd2.filter((s) => s.startsWith('delivered'))).toEqual(['delivered/gus@03']);
		expect(rd2).toContain('read/gus@09');
		expect(rd2).toHaveLength(4);
		// Both in one batch: the earlier, real delivered wins over the one a read implies.
		await writeIngestBatch(suite.db, {...empty, messages: [message('rd3', 'fay', 'gus')]});
		await writeIngestBatch(suite.db, {
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
		const squat = await writeIngestBatch(suite.db, {...empty, messages: [message('sq1', 'bob', 'alice')]});
		expect(squat).toMatchObject({inserted: 1, idClashes: []});
		const victim = await writeIngestBatch(suite.db, {...empty, messages: [message('sq1', 'alice', 'bob')]});
		expect(victim.inserted).toBe(1);
		expect(victim.idClashes).toEqual([{messageId: 'sq1', senderId: 'alice', otherSenderId: 'bob'}]);
		const rows = await suite.db.query("SELECT sender_id, content FROM chat_messages WHERE message_id = 'sq1' ORDER BY sender_id");
		expect(rows.rows).toEqual([{sender_id: 'alice', content: 'text sq1'}, {sender_id: 'bob', content: 'text sq1'}]);
		// Receipts reach the message of the sender whose topic they came on, from its recipient only.
		const at = '2026-01-01T00:00:05.000Z';
		const receipts = await writeIngestBatch(suite.db, {...empty, receipts: [
			{messageId: 'sq1', senderId: 'alice', status: 'read', userId: 'bob', at},
			{messageId: 'sq1', senderId: 'bob', status: 'read', userId: 'bob', at},
		]});
		expect(receipts.receiptOutcomes).toEqual(['stored', 'rejected']);
		const statuses = await suite.db.query("SELECT sender_id, status, user_id FROM message_status WHERE message_id = 'sq1' ORDER BY sender_id, id");
		expect(statuses.rows.map((r) => `${r.sender_id}:${r.status}/${r.user_id}`)).toEqual([
			'alice:sent/alice', 'alice:received_by_server/alice', 'alice:delivered/bob', 'alice:read/bob',
			'bob:sent/bob', 'bob:received_by_server/bob',
		]);
	});

	it('splits rejections into stored (confirm again) and refused (reject), writing nothing for them', async () => {
		await writeIngestBatch(suite.db, {...empty, messages: [message('rj1', 'ivy', 'jon')]});
		const reason = 'contains a NUL character';
		const result = await writeIngestBatch(suite.db, {...empty, rejections: [
			{messageId: 'rj1', senderId: 'ivy', reason},
			{messageId: 'rj1', senderId: 'jon', reason},
			{messageId: 'rj2', senderId: 'ivy', reason},
		]});
		expect(result.rejections).toEqual({
			stored: [{messageId: 'rj1', senderId: 'ivy', reason}],
			refused: [{messageId: 'rj1', senderId: 'jon', reason}, {messageId: 'rj2', senderId: 'ivy', reason}],
		});
		expect((await suite.db.query("SELECT 1 FROM chat_messages WHERE message_id IN ('rj1', 'rj2')")).rowCount).toBe(1);
	});

	it('upserts presence, the last update per user winning', async () => {
		await writeIngestBatch(suite.db, {
			...empty,
			presences: [
				{userId: 'fay', name: 'Fay', state: 'online', statusMessage: ''},
				{userId: 'fay', name: 'Fay F', state: 'away', statusMessage: 'lunch'},
			],
		});
		const {rows} = await suite.db.query("SELECT display_name, presence, status_message FROM chat_users WHERE user_id = 'fay'");
		expect(rows).toEqual([{display_name: 'Fay F', presence: 'away', status_message: 'lunch'}]);
	});

	it('applies room actions in order before messages: members post, others are refused, system lines go to members and the removed', async () => {
		const created = await writeIngestBatch(suite.db, {
			...empty,
			rooms: [action('c1', 'kim', {title: 'Ops', userIds: ['lee', 'max']})],
			messages: [inRoom('g1', 'lee'), inRoom('g2', 'zed'), inRoom('g3', 'kim', 'room-nope')],
		});
		expect(created.rejections.refused).toEqual([
			{messageId: 'g2', senderId: 'zed', reason: 'you are not a member of this room', conversationId: ROOM},
			{messageId: 'g3', senderId: 'kim', reason: 'no such room', conversationId: 'room-nope'},
		]);
		expect(created.refusedByRules).toEqual({messages: 2, rooms: 0, actions: 0});
		expect(created.confirmations.map((c) => c.messageId)).toEqual(['c1', 'g1']);
		expect(created.stored.map((m) => [m.messageId, m.messageType, m.recipients])).toEqual([
			['c1', 'system', ['kim', 'lee', 'max']],
			['g1', 'text', ['kim', 'lee', 'max']],
		]);
		expect(created.stored[0]).toMatchObject({content: 'KIM created "Ops" with lee, max', event: {action: 'create', user_ids: ['lee', 'max'], title: 'Ops'}});
		expect(await members(ROOM)).toEqual([
			{user_id: 'kim', role: 'admin', is_current: true, last_read_seq: created.stored[0]!.seq},
			{user_id: 'lee', role: 'member', is_current: true, last_read_seq: created.stored[1]!.seq},
			{user_id: 'max', role: 'member', is_current: true, last_read_seq: 0},
		]);
		expect((await suite.db.query("SELECT 1 FROM chat_messages WHERE message_id IN ('g2', 'g3')")).rowCount).toBe(0);
		// A re-sent create is a duplicate (confirmed again, delivered to nobody); another create of the id is refused.
		const again = await writeIngestBatch(suite.db, {...empty, rooms: [action('c1', 'kim', {title: 'Ops'}), action('c2', 'lee', {title: 'Mine'})]});
		expect(again.confirmations.map((c) => c.messageId)).toEqual(['c1']);
		expect(again.stored).toEqual([]);
		expect(again.rejections.refused).toEqual([{messageId: 'c2', senderId: 'lee', reason: 'a room with this id exists already', conversationId: ROOM}]);
	});

	it('kicks: the kicked member gets that system line, then is refused; only admins kick; receipts only from current members', async () => {
		const notAdmin = await writeIngestBatch(suite.db, {...empty, rooms: [action('k0', 'lee', {action: 'kick', userIds: ['max']})]});
		expect(notAdmin.rejections.refused[0]?.reason).toBe('only an admin can kick in this room');
		const kick = await writeIngestBatch(suite.db, {...empty, rooms: [action('k1', 'kim', {action: 'kick', userIds: ['max']})]});
		expect(kick.stored.map((m) => [m.content, m.recipients])).toEqual([['KIM removed max', ['kim', 'lee', 'max']]]);
		const after = await writeIngestBatch(suite.db, {
			...empty,
			messages: [inRoom('k2', 'max'), inRoom('k3', 'kim')],
			receipts: [
				{messageId: 'g1', senderId: 'lee', status: 'read', userId: 'max', at: '2026-01-01T00:00:01.000Z', conversationId: ROOM},
				{messageId: 'g1', senderId: 'lee', status: 'read', userId: 'kim', at: '2026-01-01T00:00:01.000Z', conversationId: ROOM},
				{messageId: 'g1', senderId: 'lee', status: 'read', userId: 'kim', at: '2026-01-01T00:00:01.000Z', conversationId: 'all'},
			],
		});
		expect(after.rejections.refused.map((r) => r.messageId)).toEqual(['k2']);
		expect(after.stored.map((m) => [m.messageId, m.recipients])).toEqual([['k3', ['kim', 'lee']]]);
		expect(after.receiptOutcomes).toEqual(['rejected', 'stored', 'rejected']);
		expect(after.receiptForwards).toEqual([{messageId: 'g1', senderId: 'lee', status: 'read', userId: 'kim', at: '2026-01-01T00:00:01.000Z', conversationId: ROOM}]);
		// Re-invited: a member again, joined now.
		const back = await writeIngestBatch(suite.db, {...empty, rooms: [action('k4', 'kim', {action: 'invite', userIds: ['max']})]});
		expect(back.stored[0]?.content).toBe('KIM added max');
		expect((await members(ROOM)).find((m) => m.user_id === 'max')).toMatchObject({role: 'member', is_current: true});
	});

	it('promotes the earliest member when the last admin leaves; mute needs no system line; typing goes to the other members', async () => {
		const left = await writeIngestBatch(suite.db, {
			...empty,
			rooms: [action('l1', 'kim', {action: 'leave'}), action('l2', 'lee', {action: 'mute'})],
			typing: [
				{conversationId: ROOM, senderId: 'lee', senderName: 'LEE', isTyping: true, at: '2026-01-01T00:00:02.000Z'},
				{conversationId: ROOM, senderId: 'kim', senderName: 'KIM', isTyping: true, at: '2026-01-01T00:00:02.000Z'},
				{conversationId: 'all', senderId: 'zed', senderName: 'ZED', isTyping: true, at: '2026-01-01T00:00:02.000Z'},
				{conversationId: 'lee:max', senderId: 'zed', senderName: 'ZED', isTyping: true, at: '2026-01-01T00:00:02.000Z'},
			],
		});
		expect(left.stored.map((m) => [m.content, m.event, m.recipients])).toEqual([
			['KIM left (LEE is now an admin)', {action: 'leave', user_ids: ['kim'], promoted: ['lee']}, ['kim', 'lee', 'max']],
		]);
		expect(left.confirmations.map((c) => c.messageId)).toEqual(['l1', 'l2']);
		expect(left.typingRelays.map((t) => [t.row.senderId, t.recipients])).toEqual([['lee', ['max']], ['zed', 'all']]);
		expect(await members(ROOM)).toEqual([
			expect.objectContaining({user_id: 'kim', is_current: false}),
			expect.objectContaining({user_id: 'lee', role: 'admin', is_current: true}),
			expect.objectContaining({user_id: 'max', is_current: true}),
		]);
		expect((await suite.db.query('SELECT is_muted FROM conversation_members WHERE user_id = $1 AND conversation_id = $2', ['lee', ROOM])).rows).toEqual([{is_muted: true}]);
		const outsider = await writeIngestBatch(suite.db, {...empty, rooms: [action('l3', 'kim', {action: 'rename', title: 'X'})]});
		expect(outsider.rejections.refused[0]?.reason).toBe('you are not a member of this room');
	});

	it('refuses a v2 direct message from someone outside the pair', async () => {
		const result = await writeIngestBatch(suite.db, {...empty, messages: [{...message('dx1', 'zed', 'ann'), conversationId: 'ann:ben', version: 2}]});
		expect(result.rejections.refused).toEqual([{messageId: 'dx1', senderId: 'zed', reason: 'you are not a member of this conversation', conversationId: 'ann:ben'}]);
	});
});
