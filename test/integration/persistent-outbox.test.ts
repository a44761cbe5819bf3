// A message typed while the broker is unreachable survives closing the client: the next run
// sends it again (same message id) and the ingester stores it once; so do room actions and the
// protocol 1 messages an outbox file of the previous release holds. Runs on both targets.
import {randomUUID} from 'node:crypto';
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {createChatClient} from '../../src/client/chat-client.js';
import type {ChatEvent, ChatPort} from '../../src/core/types.js';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {silentLogger} from '../../src/log.js';
import {openDb} from '../../src/store/db.js';
import {encodePayload, topicFor} from '../../src/protocol/index.js';
import {forEachTarget} from '../helpers/targets.js';

/** Resolves with the first event (already seen or future) that matches. */
function recorder(port: ChatPort) {
	const events: ChatEvent[] = [];
	const waiters: Array<{match: (e: ChatEvent) => boolean; resolve: (e: ChatEvent) => void}> = [];
	port.subscribe((event) => {
		events.push(event);
		for (const w of waiters.splice(0)) (w.match(event) ? w.resolve(event) : waiters.push(w));
	});
	return (match: (e: ChatEvent) => boolean) =>
		new Promise<ChatEvent>((resolve) => {
			const seen = events.find(match);
			if (seen) resolve(seen);
			else waiters.push({match, resolve});
		});
}

forEachTarget('persistent outbox', (target) => {
	let ingester: Ingester | undefined;
	let home: string;
	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-outbox-'));
		if (target.needsIngester) {
			ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
		}
	});
	afterAll(async () => {
		await ingester?.stop();
		await rm(home, {recursive: true, force: true});
	});

	it('keeps a message sent while the broker is unreachable, and the next run gets it stored once', async () => {
		const outboxDir = join(home, 'outbox', 'olga');
		const common = {identity: {userId: 'olga', name: 'Olga'}, topicBase: target.topicBase, logger: silentLogger(), outboxDir, resendAfterMs: 300};
		// One file per client in the user's folder; a closed client with messages left keeps its file.
		const outboxFiles = async () => (await readdir(outboxDir)).filter((name) => name.endsWith('.json'));
		const readAll = async () => (await Promise.all((await outboxFiles()).map(async (name) => JSON.parse(await readFile(join(outboxDir, name), 'utf8')) as Array<{messageId: string}>))).flat();
		const offline = await createChatClient({...common, mqttUrl: 'mqtt://127.0.0.1:1', databaseUrl: target.databaseUrl});
		await offline.sendMessage('all', 'written on the train');
		await offline.close();
		const kept = await readAll();
		expect(kept).toHaveLength(1);
		const [{messageId}] = kept as [{messageId: string}];

		const online = await createChatClient({...common, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl});
		const next = recorder(online);
		try {
			const shown = await next((e) => e.type === 'message-sent' && e.message.messageId === messageId);
			expect(shown).toMatchObject({message: {content: 'written on the train', status: 'pending'}});
			await next((e) => e.type === 'notice' && /1 message from your last session/.test(e.text));
			await next((e) => e.type === 'receipts-received' && e.receipts.some((r) => r.messageId === messageId && r.status === 'received_by_server'));
		} finally {
			await online.close();
		}
		// The adopted file is gone, and the new client's own file is removed when it closes empty.
		expect(await outboxFiles()).toEqual([]);
		const db = openDb({databaseUrl: target.databaseUrl, max: 1});
		try {
			const {rows} = await db.query<{n: number}>('SELECT count(*)::int AS n FROM chat_messages WHERE message_id = $1', [messageId]);
			expect(rows[0]?.n).toBe(1);
		} finally {
			await db.close();
		}
	});

	const countStored = async (sql: string, params: unknown[]): Promise<number> => {
		const db = openDb({databaseUrl: target.databaseUrl, max: 1});
		try {
			const {rows} = await db.query<{n: number}>(sql, params);
			return rows[0]?.n ?? 0;
		} finally {
			await db.close();
		}
	};

	it('keeps a room created while the broker is unreachable; the next run gets it created once', async () => {
		const outboxDir = join(home, 'outbox', 'pavel');
		const common = {identity: {userId: 'pavel', name: 'Pavel'}, topicBase: target.topicBase, logger: silentLogger(), outboxDir, resendAfterMs: 300};
		const offline = await createChatClient({...common, mqttUrl: 'mqtt://127.0.0.1:1', databaseUrl: target.databaseUrl});
		const room = await offline.createRoom('Offline plans', ['olga']);
		await offline.close();
		const online = await createChatClient({...common, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl});
		const next = recorder(online);
		try {
			await next((e) => e.type === 'messages-received' && e.messages.some((m) => m.conversationId === room && m.messageType === 'system'));
		} finally {
			await online.close();
		}
		expect(await countStored('SELECT count(*)::int AS n FROM conversation_members WHERE conversation_id = $1 AND left_at IS NULL', [room])).toBe(2);
	});

	it('reads an outbox file of the previous release (protocol 1) and resends its message as protocol 2, stored once', async () => {
		const outboxDir = join(home, 'outbox', 'quirin');
		const messageId = randomUUID();
		const v1 = {type: 'message', message_id: messageId, sender_id: 'quirin', sender_name: 'Quirin', receiver_id: 'olga', content: 'from the old release', message_type: 'text', timestamp: new Date().toISOString()} as const;
		// The single file of earlier versions, next to the folder: adopted at start.
		await mkdir(join(home, 'outbox'), {recursive: true});
		await writeFile(`${outboxDir}.json`, JSON.stringify([{messageId, topic: topicFor(target.topicBase, 'olga', 'quirin'), payload: encodePayload(v1).toString('utf8')}]));
		const online = await createChatClient({identity: {userId: 'quirin', name: 'Quirin'}, topicBase: target.topicBase, logger: silentLogger(), outboxDir, resendAfterMs: 300, mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl});
		const next = recorder(online);
		try {
			const shown = await next((e) => e.type === 'message-sent' && e.message.messageId === messageId);
			// Shown in its v2 conversation; pending, or already stored when the resend's stored copy
			// came back before this listener subscribed (the restore runs as the client starts: how
			// far it got depends on the machine's speed).
			expect(shown).toMatchObject({message: {conversationId: 'olga:quirin', receiverId: 'olga', status: expect.stringMatching(/^(pending|received_by_server)$/)}});
			await next((e) => e.type === 'receipts-received' && e.receipts.some((r) => r.messageId === messageId && r.status === 'received_by_server'));
		} finally {
			await online.close();
		}
		expect(await countStored(`SELECT count(*)::int AS n FROM chat_messages WHERE message_id = $1 AND conversation_id = 'olga:quirin'`, [messageId])).toBe(1);
	});
});
