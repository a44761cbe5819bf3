// Reply, edit, delete and react through the chat client (issue 10), once per target (Mosquitto +
// PostgreSQL, and the embedded hub): quotes, live changes and history, refusals with a reason,
// an admin's delete, deleted text gone from the tables, a resent edit applied once, a stale edit refused, a non-member (one kicked) refused by client and server.
import {randomUUID} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import mqtt from 'mqtt';
import {afterAll, beforeAll, expect, it} from 'vitest';
import type {ChatMessage, ChatPort, MessageChange} from '../../src/core/types.js';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {createChatClient} from '../../src/client/chat-client.js';
import {silentLogger} from '../../src/log.js';
import {decodeV2, encodeV2, inboxTopic, serverTopic} from '../../src/protocol/index.js';
import {openDb} from '../../src/store/db.js';
import {eventually, Recorder, startClient} from '../helpers/chat-recorder.js';
import {forEachTarget, type Target} from '../helpers/targets.js';

type Client = {port: ChatPort; recorder: Recorder};

async function query<T extends Record<string, unknown>>(target: Target, sql: string, params: unknown[]): Promise<T[]> {
	const db = openDb({databaseUrl: target.databaseUrl, max: 1});
	try {
		return (await db.query<T>(sql, params)).rows;
	} finally {
		await db.close();
	}
}

forEachTarget('message actions', (target) => {
	let ingester: Ingester | undefined;
	const users = ['ana', 'ben', 'cid', 'dov'];
	let ana: Client;
	let ben: Client;
	let cid: Client;
	let dov: Client;
	let room: string;
	let original: ChatMessage;
	let reply: ChatMessage;

	const changesOf = (client: Client): MessageChange[] => client.recorder.events.flatMap((e) => (e.type === 'messages-changed' ? e.changes : []));
	const waitForChange = (client: Client, match: (c: MessageChange) => boolean) =>
		client.recorder.waitFor('messages-changed', (e) => e.changes.some(match)).then((e) => e.changes.find(match)!);
	const sent = async (client: Client, conversationId: string, content: string, replyTo?: {messageId: string; senderId: string}) => {
		await client.port.sendMessage(conversationId, content, replyTo ? {replyTo} : undefined);
		const event = await client.recorder.waitFor('message-sent', (e) => e.message.content === content && e.message.seq !== undefined);
		return event.message;
	};
	const latest = async (client: Client, conversationId: string): Promise<ChatMessage[]> => {
		const before = client.recorder.events.length;
		await client.port.loadLatest(conversationId, 50);
		const page = client.recorder.events.slice(before).find((e) => e.type === 'history-loaded' && e.conversationId === conversationId);
		return page?.type === 'history-loaded' ? page.messages : [];
	};

	beforeAll(async () => {
		if (target.needsIngester) {
			ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
		}
		[ana, ben, cid, dov] = (await Promise.all(users.map((id) => startClient(target, id)))) as [Client, Client, Client, Client];
		room = (await ana.port.createRoom('Actions', ['ben', 'cid']))!;
		for (const member of [ben, cid]) await member.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.conversationId === room && m.messageType === 'system'));
		original = await sent(ben, room, 'the original text, long enough to be quoted');
		await cid.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === original.messageId));
	});

	afterAll(async () => {
		for (const client of [ana, ben, cid, dov]) await client?.port.close();
		await ingester?.stop();
		const broker = await mqtt.connectAsync(target.mqttUrl, {clientId: `clear-${randomUUID().slice(0, 8)}`});
		for (const id of users) await broker.publishAsync(`${target.topicBase}/presence/${id}`, '', {qos: 1, retain: true});
		await broker.endAsync();
	});

	it('a reply carries the quote live and in history: the original\'s sender name, start of text and seq', async () => {
		reply = await sent(ana, room, 'a reply', {messageId: original.messageId, senderId: 'ben'});
		const quote = {messageId: original.messageId, senderId: 'ben', senderName: 'Ben', preview: 'the original text, long enough to be quoted', seq: original.seq};
		const live = await ben.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === reply.messageId));
		expect(live.messages.find((m) => m.messageId === reply.messageId)?.replyTo).toEqual(quote);
		expect((await latest(cid, room)).find((m) => m.messageId === reply.messageId)?.replyTo).toEqual(quote);
	});

	it('bob sees the author\'s edit live and in history; the earlier text is kept in message_versions; reads reset', async () => {
		const readsOf = () => query(target, "SELECT user_id FROM message_status WHERE message_id = $1 AND sender_id = 'ben' AND status = 'read' ORDER BY user_id", [original.messageId]);
		const cidCopy = cid.recorder.received(original.messageId)[0]!;
		cid.port.markRead([cidCopy]);
		await eventually(async () => expect(await readsOf()).toEqual([{user_id: 'cid'}]));
		await ben.port.editMessage(room, original.messageId, 'the original text, fixed');
		for (const member of [ana, cid]) {
			const edit = await waitForChange(member, (c) => c.kind === 'edit' && c.messageId === original.messageId);
			expect(edit).toMatchObject({kind: 'edit', senderId: 'ben', conversationId: room, content: 'the original text, fixed', version: 1, editedAt: expect.any(Number)});
		}
		const stored = (await latest(cid, room)).find((m) => m.messageId === original.messageId);
		expect(stored).toMatchObject({content: 'the original text, fixed', version: 1, editedAt: expect.any(Number)});
		const versions = await query(target, 'SELECT version, content FROM message_versions WHERE message_id = $1 AND sender_id = $2', [original.messageId, 'ben']);
		expect(versions).toEqual([{version: 0, content: 'the original text, long enough to be quoted'}]);
		// Receipts reset to delivered-only; reading the new text sends `read` again.
		expect(await readsOf()).toEqual([]);
		cid.port.markRead([cidCopy]);
		await eventually(async () => expect(await readsOf()).toEqual([{user_id: 'cid'}]));
	});

	it('refuses a non-author\'s edit, a non-member\'s reaction and a plain member\'s delete of another\'s message, with the reason', async () => {
		// editMessage names my own message (sender = me): cid has none with ben's id, so the server
		// finds nothing to edit; an edit naming ben as sender is refused as not his (store test).
		await cid.port.editMessage(room, original.messageId, 'not mine');
		await cid.recorder.waitFor('notice', (e) => e.level === 'error' && e.text.includes('refused by the server'));
		await cid.port.deleteMessage(room, original.messageId, 'ben');
		await cid.recorder.waitFor('notice', (e) => e.text === '✗ delete refused by the server: you can only delete your own messages (or any, as a room admin)');
		await dov.port.react(room, original.messageId, 'ben', '👍', true);
		await dov.recorder.waitFor('notice', (e) => e.text === '✗ reaction refused by the server: you are not a member of this conversation');
		const edits = cid.recorder.events.filter((e) => e.type === 'notice' && e.text.startsWith('✗ edit'));
		expect(edits.map((e) => e.type === 'notice' && e.text)).toEqual(['✗ edit refused by the server: no such message in this conversation']);
		const [row] = await query(target, 'SELECT content, deleted_at FROM chat_messages WHERE message_id = $1 AND sender_id = $2', [original.messageId, 'ben']);
		expect(row).toEqual({content: 'the original text, fixed', deleted_at: null});
		expect(changesOf(ben).filter((c) => c.kind !== 'edit')).toEqual([]);
	});

	it('refuses a non-member\'s edit, delete and reaction, even on his own message once kicked: the client first, the server for a raw publish', async () => {
		const side = (await ana.port.createRoom('Side', ['dov']))!;
		await dov.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.conversationId === side && m.messageType === 'system'));
		const his = await sent(dov, side, 'dov wrote this before the kick');
		const hers = await sent(ana, side, 'ana wrote this in the side room');
		await ana.port.changeRoom(side, {action: 'kick', userIds: ['dov']});
		await dov.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.conversationId === side && m.event?.action === 'kick'));
		// The client knows it was kicked and refuses before publishing.
		const before = dov.recorder.events.length;
		await dov.port.editMessage(side, his.messageId, 'rewritten after the kick');
		await dov.port.react(side, hers.messageId, 'ana', '👀', true);
		const local = dov.recorder.events.slice(before).flatMap((e) => (e.type === 'notice' ? [e.text] : []));
		expect(local).toEqual(['you are not a member of this room any more', 'you are not a member of this room any more']);
		// A client that does not check (raw publishes as dov) is refused by the server, with the reason.
		const broker = await mqtt.connectAsync(target.mqttUrl, {clientId: `raw-dov-${randomUUID().slice(0, 8)}`});
		const answers: Record<string, string> = {};
		try {
			broker.on('message', (_topic, bytes) => {
				const decoded = decodeV2('server', bytes);
				if (decoded.ok && decoded.payload.type === 'status' && decoded.payload.message_id.startsWith('kicked-')) {
					answers[decoded.payload.message_id] = `${decoded.payload.status}: ${decoded.payload.reason ?? ''}`;
				}
			});
			await broker.subscribeAsync(inboxTopic(target.topicBase, 'dov'), {qos: 1});
			const head = (id: string, of: ChatMessage) => ({
				v: 2 as const, message_id: id, conversation_id: side, sender_id: 'dov', sender_name: 'Dov',
				target: {sender_id: of.senderId, message_id: of.messageId}, timestamp: new Date().toISOString(),
			});
			const topic = serverTopic(target.topicBase, 'dov');
			await broker.publishAsync(topic, encodeV2({...head('kicked-edit', his), type: 'edit', content: 'rewritten after the kick', version: 1}), {qos: 1});
			await broker.publishAsync(topic, encodeV2({...head('kicked-delete-own', his), type: 'delete'}), {qos: 1});
			await broker.publishAsync(topic, encodeV2({...head('kicked-delete-hers', hers), type: 'delete'}), {qos: 1});
			await broker.publishAsync(topic, encodeV2({...head('kicked-react', hers), type: 'react', emoji: '👀', is_on: true}), {qos: 1});
			const refused = 'rejected: you are not a member of this conversation';
			await eventually(async () => expect(answers).toEqual({
				'kicked-edit': refused, 'kicked-delete-own': refused, 'kicked-delete-hers': refused, 'kicked-react': refused,
			}));
		} finally {
			await broker.endAsync();
		}
		const rows = await query(target, 'SELECT sender_id, content, version, deleted_at FROM chat_messages WHERE conversation_id = $1 AND message_type = $2 ORDER BY seq', [side, 'text']);
		expect(rows).toEqual([
			{sender_id: 'dov', content: 'dov wrote this before the kick', version: 0, deleted_at: null},
			{sender_id: 'ana', content: 'ana wrote this in the side room', version: 0, deleted_at: null},
		]);
		expect(await query(target, 'SELECT emoji FROM message_reactions WHERE message_id = $1', [hers.messageId])).toEqual([]);
		expect(changesOf(ana).filter((c) => c.conversationId === side)).toEqual([]);
	});

	it('reactions are live for every member, aggregated in history, and toggle off', async () => {
		// One after the other: users are listed oldest reaction first.
		await cid.port.react(room, original.messageId, 'ben', '👍', true);
		await waitForChange(ben, (c) => c.kind === 'reaction' && c.userId === 'cid' && c.isOn);
		await ana.port.react(room, original.messageId, 'ben', '👍', true);
		for (const member of [ben, cid]) await waitForChange(member, (c) => c.kind === 'reaction' && c.userId === 'ana' && c.isOn);
		await eventually(async () => expect((await latest(ben, room)).find((m) => m.messageId === original.messageId)?.reactions).toEqual({'👍': ['cid', 'ana']}));
		await cid.port.react(room, original.messageId, 'ben', '👍', false);
		await waitForChange(ana, (c) => c.kind === 'reaction' && c.userId === 'cid' && !c.isOn);
		expect((await latest(ana, room)).find((m) => m.messageId === original.messageId)?.reactions).toEqual({'👍': ['ana']});
	});

	it('a reaction made while the broker is unreachable survives closing the client and is applied by the next run', async () => {
		const home = await mkdtemp(join(tmpdir(), 'hermes-actions-outbox-'));
		try {
			const common = {identity: {userId: 'cid', name: 'Cid'}, topicBase: target.topicBase, logger: silentLogger(), outboxDir: join(home, 'cid'), resendAfterMs: 300};
			const offline = await createChatClient({...common, mqttUrl: 'mqtt://127.0.0.1:1', databaseUrl: target.databaseUrl});
			await offline.react(room, reply.messageId, 'ana', '🎉', true);
			await offline.close();
			const online = await createChatClient({...common, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl});
			try {
				await waitForChange(ana, (c) => c.kind === 'reaction' && c.emoji === '🎉' && c.userId === 'cid' && c.messageId === reply.messageId);
			} finally {
				await online.close();
			}
			expect(await query(target, "SELECT user_id FROM message_reactions WHERE message_id = $1 AND emoji = '🎉'", [reply.messageId])).toEqual([{user_id: 'cid'}]);
		} finally {
			await rm(home, {recursive: true, force: true});
		}
	});

	it('a resent edit applies once and a stale one is refused (raw publishes of one edit id, then an older version)', async () => {
		const mine = await sent(cid, room, 'cid writes');
		const broker = await mqtt.connectAsync(target.mqttUrl, {clientId: `raw-cid-${randomUUID().slice(0, 8)}`});
		try {
			const answers: string[] = [];
			broker.on('message', (_topic, bytes) => {
				const decoded = decodeV2('server', bytes);
				if (decoded.ok && decoded.payload.type === 'status' && decoded.payload.message_id.startsWith('raw-')) answers.push(`${decoded.payload.message_id} ${decoded.payload.status}`);
			});
			await broker.subscribeAsync(inboxTopic(target.topicBase, 'cid'), {qos: 1});
			const edit = (id: string, version: number, content: string) => encodeV2({
				v: 2, type: 'edit', message_id: id, conversation_id: room, sender_id: 'cid', sender_name: 'Cid',
				target: {sender_id: 'cid', message_id: mine.messageId}, content, version, timestamp: new Date().toISOString(),
			});
			const topic = serverTopic(target.topicBase, 'cid');
			// Two copies of one edit (a resend), then an older edit arriving late; the ingester takes
			// them in order, so once the late one is answered both copies were handled.
			await broker.publishAsync(topic, edit('raw-2', 2, 'version two'), {qos: 1});
			await broker.publishAsync(topic, edit('raw-2', 2, 'version two'), {qos: 1});
			await broker.publishAsync(topic, edit('raw-1', 1, 'version one, late'), {qos: 1});
			await eventually(async () => expect(answers).toContain('raw-1 rejected'));
			expect(answers).toContain('raw-2 received_by_server');
			expect(answers).not.toContain('raw-2 rejected');
		} finally {
			await broker.endAsync();
		}
		const [row] = await query(target, 'SELECT content, version FROM chat_messages WHERE message_id = $1 AND sender_id = $2', [mine.messageId, 'cid']);
		expect(row).toEqual({content: 'version two', version: 2});
		const versions = await query(target, 'SELECT version FROM message_versions WHERE message_id = $1 AND sender_id = $2', [mine.messageId, 'cid']);
		expect(versions).toEqual([{version: 0}]);
		// The client asks for a version above the stored one: its edit applies.
		await cid.port.editMessage(room, mine.messageId, 'version three');
		await waitForChange(ana, (c) => c.kind === 'edit' && c.messageId === mine.messageId && c.version === 3);
	});

	it('a room admin deletes another member\'s message: a placeholder for everyone, the text gone from chat_messages and message_versions, row and receipts kept, later edits refused', async () => {
		const receiptsOf = () => query(target, 'SELECT user_id, status FROM message_receipts WHERE message_id = $1 AND sender_id = $2 ORDER BY user_id, status', [original.messageId, 'ben']);
		const receipts = await receiptsOf();
		expect(receipts).toContainEqual({user_id: 'cid', status: 'read'});
		await ana.port.deleteMessage(room, original.messageId, 'ben');
		for (const member of [ben, cid]) {
			expect(await waitForChange(member, (c) => c.kind === 'delete' && c.messageId === original.messageId)).toMatchObject({deletedBy: 'ana', deletedAt: expect.any(Number)});
		}
		const page = await latest(cid, room);
		expect(page.find((m) => m.messageId === original.messageId)).toMatchObject({content: '', deletedBy: 'ana', deletedAt: expect.any(Number)});
		expect(page.find((m) => m.messageId === original.messageId)?.reactions).toBeUndefined();
		// The reply's quote keeps who and where, not the deleted text, and says it was deleted.
		expect(page.find((m) => m.content === 'a reply')?.replyTo).toEqual({messageId: original.messageId, senderId: 'ben', senderName: 'Ben', seq: original.seq, version: 1, isDeleted: true});
		const leftovers = await query(target, `SELECT (SELECT count(*)::int FROM chat_messages WHERE content LIKE '%original text%') AS messages,
			(SELECT count(*)::int FROM message_versions WHERE content LIKE '%original text%') AS versions`, []);
		expect(leftovers).toEqual([{messages: 0, versions: 0}]);
		// A soft delete keeps the row (above) and its receipts.
		expect(await receiptsOf()).toEqual(receipts);
		await ben.port.editMessage(room, original.messageId, 'undo the delete');
		await ben.recorder.waitFor('notice', (e) => e.text === '✗ edit refused by the server: the message was deleted');
	});

	it('loadAround opens a message in context: the page around its seq, with hasMore and hasNewer', async () => {
		const more = [];
		for (let i = 0; i < 6; i++) more.push(await sent(dov, `ana:dov`, `context ${i}`));
		await ana.port.loadAround('ana:dov', more[2]!.seq!, 3);
		const around = await ana.recorder.waitFor('history-loaded', (e) => e.mode === 'around' && e.conversationId === 'ana:dov');
		expect(around.messages.map((m) => m.content)).toEqual(['context 1', 'context 2', 'context 3']);
		expect(around).toMatchObject({focusSeq: more[2]!.seq, hasMore: true, hasNewer: true});
	});
});
