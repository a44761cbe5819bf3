// The chat client (ChatPort over MQTT + PostgreSQL) end to end, once per target (real Mosquitto +
// PostgreSQL with our own ingester, and the embedded hub): messages, receipts, history paging,
// unread counts, the outbox across an ingester outage, de-duplication, typing and presence.
import {spawn} from 'node:child_process';
import {randomBytes, randomUUID} from 'node:crypto';
import {writeFile, rm} from 'node:fs/promises';
import {createServer, connect as connectTcp, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import mqtt from 'mqtt';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createChatClient} from '../../src/client/chat-client.js';
import type {ChatEvent, ChatPort} from '../../src/core/types.js';
import {listenBroker} from '../../src/hub/broker.js';
import {HUB_OWNER, withHubCredentials} from '../../src/hub/hub-secret.js';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {silentLogger} from '../../src/log.js';
import {openDb} from '../../src/store/db.js';
import {runMigrations} from '../../src/store/migrate.js';
import {createTestDatabase, TEST_PG_ADMIN_URL} from '../helpers/db.js';
import {PAGE_QUERIES} from '../../src/store/history.js';
import {CONVERSATIONS_QUERY, conversationPageParams} from '../../src/store/history-people.js';
import {seedConversation} from '../helpers/seed.js';
import {forEachTarget, type Target} from '../helpers/targets.js';
import {eventually, Recorder, startClient, type EventOf} from '../helpers/chat-recorder.js';

/** Clear the retained presence the clients left behind on the shared broker. */
async function clearPresence(target: Target, userIds: string[]): Promise<void> {
	const client = await mqtt.connectAsync(target.mqttUrl, {clientId: `clear-${randomUUID().slice(0, 8)}`});
	for (const id of userIds) await client.publishAsync(`${target.topicBase}/presence/${id}`, '', {qos: 1, retain: true});
	await client.endAsync();
}

forEachTarget('chat client', (target) => {
	let ingester: Ingester | undefined;
	const clients: ChatPort[] = [];
	const users = ['alice', 'bob', 'carol', 'erin', 'frank', 'ivy'];
	let alice: {port: ChatPort; recorder: Recorder};
	let bob: {port: ChatPort; recorder: Recorder};

	const startIngest = async () => {
		ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
	};

	beforeAll(async () => {
		if (target.needsIngester) await startIngest();
		alice = await startClient(target, 'alice');
		// Options passed as undefined must mean the defaults (regression: NaN resend timers).
		bob = await startClient(target, 'bob', {resendAfterMs: undefined, maxResendAfterMs: undefined});
		clients.push(alice.port, bob.port);
	});

	afterAll(async () => {
		for (const port of clients) await port.close();
		await ingester?.stop();
		await clearPresence(target, users);
	});

	it('delivers a message with pending → sent → received_by_server → delivered → read, all four stored', async () => {
		await alice.port.sendMessage('alice:bob', 'hello bob');
		const pending = await alice.recorder.waitFor('message-sent', (e) => e.message.content === 'hello bob');
		const {messageId} = pending.message;
		expect(pending.message).toMatchObject({status: 'pending', senderId: 'alice', receiverId: 'bob', conversationId: 'alice:bob'});
		await alice.recorder.waitFor('message-sent', (e) => e.message.messageId === messageId && e.message.status === 'sent');

		const arrived = await bob.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === messageId));
		expect(arrived.messages.find((m) => m.messageId === messageId)).toMatchObject({
			senderId: 'alice', senderName: 'Alice', content: 'hello bob', conversationId: 'alice:bob',
		});
		const hasReceipt = (status: string, userId: string) => (e: EventOf<'receipts-received'>) =>
			e.receipts.some((r) => r.messageId === messageId && r.status === status && r.userId === userId);
		await alice.recorder.waitFor('receipts-received', hasReceipt('received_by_server', 'alice'));
		await alice.recorder.waitFor('receipts-received', hasReceipt('delivered', 'bob'));

		bob.port.markRead(arrived.messages);
		await alice.recorder.waitFor('receipts-received', hasReceipt('read', 'bob'));

		const rows = await eventually(async () => {
			const receipts = await alice.port.messageInfo(messageId, 'alice');
			expect(receipts.map((r) => `${r.status}:${r.userId}`).sort()).toEqual(
				['delivered:bob', 'read:bob', 'received_by_server:alice', 'sent:alice'],
			);
			return receipts;
		});
		expect(rows.every((r) => r.at > 0)).toBe(true);
		const status = await alice.port.recentStatus(5);
		expect(status[0]).toMatchObject({message: {messageId, status: 'read'}});
		expect(status[0]!.receipts).toHaveLength(4);
	});

	it('counts unread messages in the conversation list and clears them after a read', async () => {
		await alice.port.sendMessage('alice:bob', 'unread one');
		await alice.port.sendMessage('alice:bob', 'unread two');
		const two = await bob.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.content === 'unread two'));
		const fromAlice = (e: EventOf<'conversations-loaded'>) => e.conversations.find((c) => c.conversationId === 'alice:bob');
		const loaded = async () => {
			const before = bob.recorder.events.length;
			await bob.port.loadConversations();
			const event = bob.recorder.events.slice(before).find((e) => e.type === 'conversations-loaded');
			return event as EventOf<'conversations-loaded'>;
		};
		const unread = await eventually(async () => {
			const event = await loaded();
			expect(fromAlice(event)?.unread).toBe(2);
			return event;
		});
		expect(fromAlice(unread)).toMatchObject({kind: 'direct', peerId: 'alice', title: 'Alice', memberCount: 2, lastMessage: {senderId: 'alice', senderName: 'Alice', content: 'unread two'}});
		expect(unread.conversations.some((c) => c.conversationId === 'all' && c.title === 'everyone')).toBe(true);

		const unreadTwo = two.messages.find((m) => m.content === 'unread two')!;
		expect(bob.recorder.received(unreadTwo.messageId)).toHaveLength(1);
		const both = bob.recorder.events
			.flatMap((e) => (e.type === 'messages-received' ? e.messages : []))
			.filter((m) => m.content === 'unread one' || m.content === 'unread two');
		expect(both).toHaveLength(2);
		bob.port.markRead(both);
		await eventually(async () => expect(fromAlice(await loaded())?.unread).toBe(0));
	});

	it('pages history by keyset: latest, older, older until the start, and before a date', async () => {
		const seed = await seedConversation({databaseUrl: target.databaseUrl, between: ['carol', 'dave'], count: 250, idPrefix: `p-${randomUUID().slice(0, 6)}`});
		const carol = await startClient(target, 'carol');
		clients.push(carol.port);
		const pages: EventOf<'history-loaded'>[] = [];
		carol.port.subscribe((e) => e.type === 'history-loaded' && pages.push(e));

		await carol.port.loadLatest('carol:dave', 100);
		await carol.port.loadOlder('carol:dave', pages[0]!.messages[0]!.seq!, 100);
		await carol.port.loadOlder('carol:dave', pages[1]!.messages[0]!.seq!, 100);
		const contents = pages.map((p) => p.messages.map((m) => Number(m.content.replace('message ', ''))));
		const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i);
		expect(contents).toEqual([range(151, 250), range(51, 150), range(1, 50)]);
		expect(pages.map((p) => [p.mode, p.hasMore])).toEqual([['latest', true], ['older', true], ['older', false]]);
		expect(pages[0]!.messages.at(-1)).toMatchObject({seq: seed.lastSeq, senderId: 'dave', receiverId: 'carol', conversationId: 'carol:dave'});

		await carol.port.loadBefore('carol:dave', new Date(seed.createdAtOf(60)), 10);
		expect(pages[3]).toMatchObject({mode: 'before', hasMore: true});
		expect(pages[3]!.messages.map((m) => m.content)).toEqual(range(50, 59).map((i) => `message ${i}`));
	});

	it.skipIf(target.name !== 'services')('serves pages and unread counts from the (conversation_id, seq) index with 100,000 rows', async () => {
		// An older busy conversation with newer traffic elsewhere: where `= $1 ORDER BY seq`
		// lets the planner walk the seq index instead (see history.ts).
		const old = await seedConversation({databaseUrl: target.databaseUrl, between: ['ivan', 'judy'], count: 100_000, idPrefix: 'big'});
		await seedConversation({databaseUrl: target.databaseUrl, between: ['kate', 'leo'], count: 20_000, idPrefix: 'newer'});
		const db = openDb({databaseUrl: target.databaseUrl, max: 1});
		try {
			await db.query('ANALYZE chat_messages');
			const mid = old.firstSeq + 50_000;
			for (const [sql, params] of [
				[PAGE_QUERIES.latest, ['ivan:judy', 51, 'ivan']],
				[PAGE_QUERIES.older, ['ivan:judy', mid, 51, 'ivan']],
				[PAGE_QUERIES.beforeDate, ['ivan:judy', new Date(old.createdAtOf(50_000)), 51, 'ivan']],
			] as const) {
				const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN ${sql}`, [...params]);
				const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
				expect(plan).toMatch(/Index Scan Backward using chat_messages_conversation_seq on chat_messages m/);
				expect(plan).not.toMatch(/chat_messages_seq_key/);
			}
			const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN ${CONVERSATIONS_QUERY}`, conversationPageParams('judy', 500));
			expect(rows.map((r) => r['QUERY PLAN']).join('\n')).not.toMatch(/chat_messages_seq_key|Seq Scan on chat_messages/);
		} finally {
			await db.close();
		}
	});

	it('shows typing, and presence from online to offline when a client closes', async () => {
		const erin = await startClient(target, 'erin');
		await bob.recorder.waitFor('presence-changed', (e) => e.presences.some((p) => p.userId === 'erin' && p.state === 'online'));
		erin.port.sendTyping('bob:erin', true);
		const typing = await bob.recorder.waitFor('typing-changed', (e) => e.userId === 'erin');
		expect(typing).toMatchObject({name: 'Erin', conversationId: 'bob:erin', isTyping: true});
		erin.port.setPresence('busy', 'in a meeting');
		await bob.recorder.waitFor('presence-changed', (e) =>
			e.presences.some((p) => p.userId === 'erin' && p.state === 'busy' && p.statusMessage === 'in a meeting'),
		);
		await erin.port.close();
		await bob.recorder.waitFor('presence-changed', (e) => e.presences.some((p) => p.userId === 'erin' && p.state === 'offline'));
	});

	it('sends to a user nobody has seen, with a notice saying so', async () => {
		await alice.port.sendMessage('alice:zed', 'are you there?');
		const notice = await alice.recorder.waitFor('notice', (e) => e.text.includes('zed'));
		expect(notice).toEqual({type: 'notice', level: 'info', text: 'nobody called zed has used this server yet — sent anyway; they will see it when they join'});
		await alice.port.sendMessage('not a/valid id', 'x');
		await alice.recorder.waitFor('notice', (e) => e.level === 'error' && e.text.startsWith('"not a/valid id" is not a conversation'));
		expect(await alice.port.isKnownUser('bob')).toBe(true);
	});

	it.skipIf(!target.needsIngester)('confirms a message sent while the ingester is down, stored once; the receiver sees it once', async () => {
		const frank = await startClient(target, 'frank');
		clients.push(frank.port);
		// Count every copy alice publishes to the server: the outbox resends while unconfirmed.
		const sniffer = await mqtt.connectAsync(target.mqttUrl, {clientId: `sniff-${randomUUID().slice(0, 8)}`});
		const copies = new Map<string, number>();
		sniffer.on('message', (_topic, bytes) => {
			const id = (JSON.parse(bytes.toString()) as {message_id?: string}).message_id ?? '';
			copies.set(id, (copies.get(id) ?? 0) + 1);
		});
		await sniffer.subscribeAsync(`${target.topicBase}/server/alice`, {qos: 1});
		await ingester!.stop();
		ingester = undefined;

		await alice.port.sendMessage('alice:frank', 'while the ingester sleeps');
		const sent = await alice.recorder.waitFor('message-sent', (e) => e.message.content === 'while the ingester sleeps' && e.message.status === 'sent');
		const {messageId} = sent.message;
		await eventually(async () => expect(copies.get(messageId)).toBeGreaterThanOrEqual(2));
		const statuses = await alice.port.recentStatus(3);
		expect(statuses[0]).toMatchObject({message: {messageId}, receipts: []});

		await startIngest();
		await alice.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === messageId && r.status === 'received_by_server'));
		const db = openDb({databaseUrl: target.databaseUrl, max: 1});
		const {rows} = await db.query<{n: number}>('SELECT count(*)::int AS n FROM chat_messages WHERE message_id = $1', [messageId]);
		await db.close();
		expect(rows[0]?.n).toBe(1);
		await frank.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === messageId));
		expect(frank.recorder.received(messageId)).toHaveLength(1);
		await sniffer.endAsync();
	});

	it('drops a duplicate publish of a message and an invalid payload without an event', async () => {
		const raw = await mqtt.connectAsync(target.mqttUrl, {clientId: `raw-${randomUUID().slice(0, 8)}`});
		const messageId = `dup-${randomUUID()}`;
		const payload = JSON.stringify({
			type: 'message', message_id: messageId, sender_id: 'mallory', sender_name: 'Mallory',
			receiver_id: 'bob', content: 'twice', timestamp: new Date().toISOString(),
		});
		await raw.publishAsync(`${target.topicBase}/bob/mallory`, 'not json', {qos: 1});
		await raw.publishAsync(`${target.topicBase}/bob/mallory`, payload, {qos: 1});
		await raw.publishAsync(`${target.topicBase}/bob/mallory`, payload, {qos: 1});
		await raw.publishAsync(`${target.topicBase}/bob/mallory`, JSON.stringify({...JSON.parse(payload), message_id: `${messageId}-end`}), {qos: 1});
		await bob.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === `${messageId}-end`));
		expect(bob.recorder.received(messageId)).toHaveLength(1);
		await raw.endAsync();
	});

	it('loads the list in pages: a page leaves the rest alone, a live message in a conversation not reached yet loads its row', async () => {
		const ivy = await startClient(target, 'ivy', {listPages: {first: 1, more: 1, isBackground: false}});
		clients.push(ivy.port);
		await alice.port.sendMessage('alice:ivy', 'ivy 1');
		await ivy.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.content === 'ivy 1'));
		await bob.port.sendMessage('bob:ivy', 'ivy 2');
		await ivy.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.content === 'ivy 2'));
		const lists = () => ivy.recorder.events.filter((e): e is EventOf<'conversations-loaded'> => e.type === 'conversations-loaded');
		const from = lists().length;
		await ivy.port.loadConversations();
		expect(lists().slice(from).map((e) => [e.conversations.map((c) => c.conversationId), e.hasMore])).toEqual([[['bob:ivy'], true]]);
		// alice:ivy is further down than the walk went: a live message there loads its row (with its unread).
		await alice.port.sendMessage('alice:ivy', 'ivy 3');
		const row = await ivy.recorder.waitFor('conversations-loaded', (e) => e.conversations.some((c) => c.conversationId === 'alice:ivy'));
		expect(row.hasMore).toBe(true);
		expect(row.conversations.find((c) => c.conversationId === 'alice:ivy')).toMatchObject({unread: 2, lastMessage: {content: 'ivy 3'}});
		// The rest of the walk: bob:ivy was shown, alice:ivy moved above it, then `all`; the last page names all three.
		await ivy.port.loadMoreConversations();
		await ivy.port.loadMoreConversations();
		await ivy.port.loadMoreConversations();
		const last = lists().at(-1)!;
		expect(last.hasMore).toBeUndefined();
		expect([...(last.memberOf ?? [])].sort()).toEqual(['alice:ivy', 'all', 'bob:ivy']);
	});
});

describe('chat client without services', () => {
	it('starts with broker and database down, queues the message, and closes', async () => {
		const port = await createChatClient({
			identity: {userId: 'lonely', name: 'Lonely'},
			mqttUrl: 'mqtt://127.0.0.1:1',
			databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
			topicBase: `t-${randomUUID().slice(0, 8)}/messages`,
			logger: silentLogger(),
		});
		const recorder = new Recorder(port);
		await recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'down');
		await recorder.waitFor('connection-changed', (e) => e.service === 'database' && e.state === 'down');
		await port.sendMessage('lonely:someone', 'hello?');
		await recorder.waitFor('message-sent', (e) => e.message.status === 'pending');
		await recorder.waitFor('notice', (e) => e.text.startsWith('not connected to the broker'));
		await port.loadLatest('lonely:someone', 50);
		await recorder.waitFor('notice', (e) => e.level === 'error' && e.text.startsWith('could not load history: database unreachable'));
		expect(await port.recentStatus(5)).toMatchObject([{message: {content: 'hello?', status: 'pending'}, receipts: []}]);
		await port.close();
	});

	it('reconnects after a broker restart, re-subscribes, and sends what was queued meanwhile', async () => {
		const topicBase = `t-${randomUUID().slice(0, 8)}/messages`;
		// The hub's broker: each client connects with its own user id and the hub secret.
		const secret = randomBytes(32).toString('base64url');
		const auth = {secret, owner: HUB_OWNER, topicBase};
		let broker = await listenBroker({host: '127.0.0.1', port: 0, auth});
		const as = (user: string) => withHubCredentials(broker.url, user, secret);
		const options = {
			databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
			topicBase,
			logger: silentLogger(),
			reconnectPeriodMs: 100,
			resendAfterMs: 200,
		};
		const gina = await createChatClient({...options, mqttUrl: as('gina'), identity: {userId: 'gina', name: 'Gina'}});
		const hank = await createChatClient({...options, mqttUrl: as('hank'), identity: {userId: 'hank', name: 'Hank'}});
		const g = new Recorder(gina);
		const h = new Recorder(hank);
		await g.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up');
		await h.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up');

		await broker.close();
		await g.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'down');
		await gina.sendMessage('gina:hank', 'sent while the broker was away');
		// The watcher stands in for the server (the hub's owner): the only user the hub lets write an inbox.
		broker = await listenBroker({host: '127.0.0.1', port: broker.port, auth});
		// Without an ingester nobody fans out: watch what gina publishes to the server instead.
		const watcher = await mqtt.connectAsync(as(HUB_OWNER), {clientId: `watch-${randomUUID().slice(0, 8)}`});
		const published: string[] = [];
		watcher.on('message', (_topic, bytes) => published.push((JSON.parse(bytes.toString()) as {content?: string}).content ?? ''));
		await watcher.subscribeAsync(`${topicBase}/server/gina`, {qos: 1});
		const upAgain = (r: Recorder) => r.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up' && r.events.filter((x) => x.type === 'connection-changed' && x.service === 'broker' && x.state === 'up').length >= 2);
		await Promise.all([upAgain(g), upAgain(h)]);
		await g.waitFor('message-sent', (e) => e.message.content === 'sent while the broker was away' && e.message.status === 'sent');
		await eventually(async () => expect(published).toContain('sent while the broker was away'));
		// Hank subscribed his inbox again: a server delivery reaches him.
		const delivery = {v: 2, type: 'message', message_id: `m-${randomUUID()}`, conversation_id: 'gina:hank', sender_id: 'gina', sender_name: 'Gina', content: 'via the inbox', message_type: 'text', timestamp: new Date().toISOString(), seq: 7, created_at: new Date().toISOString()};
		await eventually(async () => {
			await watcher.publishAsync(`${topicBase}/hank/server/inbox`, JSON.stringify(delivery), {qos: 1});
			await h.waitFor('messages-received', (e) => e.messages.some((m) => m.content === 'via the inbox'), 500);
		});
		expect(h.received(delivery.message_id)).toMatchObject([{seq: 7, conversationId: 'gina:hank'}]);
		await watcher.endAsync();
		await gina.close();
		await hank.close();
		await broker.close();
	});
});

/** A TCP forwarder to PostgreSQL that the test can switch on and off (a database "outage"). */
async function pgProxy(): Promise<{port: number; open(): Promise<void>; close(): Promise<void>}> {
	const target = new URL(TEST_PG_ADMIN_URL);
	let server: Server | undefined;
	const listen = (port: number) =>
		new Promise<Server>((resolve, reject) => {
			const s = createServer((socket) => {
				const upstream = connectTcp(Number(target.port || 5432), target.hostname);
				socket.pipe(upstream).pipe(socket);
				socket.on('error', () => upstream.destroy());
				upstream.on('error', () => socket.destroy());
			});
			s.once('error', reject);
			s.listen(port, '127.0.0.1', () => resolve(s));
		});
	const probe = await listen(0);
	const port = (probe.address() as {port: number}).port;
	await new Promise((resolve) => probe.close(resolve));
	return {
		port,
		async open() {
			server = await listen(port);
		},
		async close() {
			const open = server;
			server = undefined;
			if (open) await new Promise((resolve) => open.close(resolve));
		},
	};
}

describe('chat client recovery', () => {
	it('probes a database that was down and reloads the conversation list once it answers', async () => {
		const database = await createTestDatabase();
		const proxy = await pgProxy();
		try {
			await runMigrations({databaseUrl: database.url, logger: silentLogger()});
			const url = new URL(database.url);
			url.port = String(proxy.port);
			const port = await createChatClient({
				identity: {userId: 'ola', name: 'Ola'},
				mqttUrl: 'mqtt://127.0.0.1:1',
				databaseUrl: url.toString(),
				topicBase: `t-${randomUUID().slice(0, 8)}/messages`,
				logger: silentLogger(),
				databaseProbeMs: 100,
			});
			const recorder = new Recorder(port);
			await recorder.waitFor('connection-changed', (e) => e.service === 'database' && e.state === 'down');
			await proxy.open();
			await recorder.waitFor('connection-changed', (e) => e.service === 'database' && e.state === 'up');
			const loaded = await recorder.waitFor('conversations-loaded');
			expect(loaded.conversations.map((c) => c.conversationId)).toEqual(['all']);
			await port.close();
		} finally {
			await proxy.close();
			await database.drop();
		}
	});

	it('publishes the Last Will (offline, after the Will Delay) when a client process dies', async () => {
		const topicBase = `t-${randomUUID().slice(0, 8)}/messages`;
		const mqttUrl = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
		const clientModule = fileURLToPath(new URL('../../src/client/chat-client.ts', import.meta.url));
		const logModule = fileURLToPath(new URL('../../src/log.ts', import.meta.url));
		const script = join(tmpdir(), `hermes-will-${randomUUID().slice(0, 8)}.mts`);
		await writeFile(script, `
import {createChatClient} from ${JSON.stringify(clientModule)};
import {silentLogger} from ${JSON.stringify(logModule)};
await createChatClient({identity: {userId: 'pia', name: 'Pia'}, mqttUrl: ${JSON.stringify(mqttUrl)},
	databaseUrl: 'postgres://postgres@127.0.0.1:1/none', topicBase: ${JSON.stringify(topicBase)}, logger: silentLogger(), willDelaySeconds: 1});
`);
		const observer = await createChatClient({
			identity: {userId: 'quinn', name: 'Quinn'},
			mqttUrl,
			databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
			topicBase,
			logger: silentLogger(),
		});
		const seen = new Recorder(observer);
		// node itself (not the tsx CLI, which would leave its own child running when killed).
		const child = spawn(process.execPath, ['--import', 'tsx', script], {stdio: ['ignore', 'ignore', 'inherit']});
		try {
			await seen.waitFor('presence-changed', (e) => e.presences.some((p) => p.userId === 'pia' && p.state === 'online'), 30_000);
			child.kill('SIGKILL');
			const killedAt = Date.now();
			await seen.waitFor('presence-changed', (e) => e.presences.some((p) => p.userId === 'pia' && p.state === 'offline'));
			// Mosquitto speaks MQTT 5, so the Will waits out its 1 s delay (aedes would send it at once).
			expect(Date.now() - killedAt).toBeGreaterThanOrEqual(900);
		} finally {
			child.kill('SIGKILL');
			await observer.close();
			await rm(script, {force: true});
			const clear = await mqtt.connectAsync(mqttUrl, {clientId: `clear-${randomUUID().slice(0, 8)}`});
			await clear.publishAsync(`${topicBase}/presence/pia`, '', {qos: 1, retain: true});
			await clear.publishAsync(`${topicBase}/presence/quinn`, '', {qos: 1, retain: true});
			await clear.endAsync();
		}
	});

	// Regression: a client restarted within the Will Delay was shown offline for good once the
	// earlier session's Will (retained `offline`) overwrote the new session's `online`.
	it('stays online when the Last Will of its previous session fires after a restart', async () => {
		const topicBase = `t-${randomUUID().slice(0, 8)}/messages`;
		const mqttUrl = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
		const options = {mqttUrl, databaseUrl: 'postgres://postgres@127.0.0.1:1/none', topicBase, logger: silentLogger()};
		const observer = await createChatClient({...options, identity: {userId: 'quinn', name: 'Quinn'}});
		const seen = new Recorder(observer);
		// The first session never says goodbye: its socket is destroyed, so the broker sends its Will.
		const first = await mqtt.connectAsync(mqttUrl, {
			clientId: `ria-old-${randomUUID().slice(0, 8)}`,
			reconnectPeriod: 0,
			protocolVersion: 5,
			properties: {sessionExpiryInterval: 1},
			will: {
				topic: `${topicBase}/presence/ria`,
				payload: Buffer.from(JSON.stringify({type: 'presence', user_id: 'ria', user_name: 'Ria', state: 'offline', status_message: '', timestamp: new Date().toISOString()})),
				qos: 1,
				retain: true,
				properties: {willDelayInterval: 1},
			},
		});
		first.stream.destroy();
		const second = await createChatClient({...options, identity: {userId: 'ria', name: 'Ria'}});
		try {
			const ria = (state: string) => (e: ChatEvent) => e.type === 'presence-changed' && e.presences.some((p) => p.userId === 'ria' && p.state === state);
			await seen.waitFor('presence-changed', ria('offline'), 10_000);
			// The Will arrived; what counts is that `online` comes back after it.
			await eventually(async () => {
				const willAt = seen.events.findIndex(ria('offline'));
				if (!seen.events.slice(willAt + 1).some(ria('online'))) throw new Error('ria is still shown offline');
			}, 10_000);
		} finally {
			await second.close();
			await observer.close();
			first.end(true);
			const clear = await mqtt.connectAsync(mqttUrl, {clientId: `clear-${randomUUID().slice(0, 8)}`});
			await clear.publishAsync(`${topicBase}/presence/ria`, '', {qos: 1, retain: true});
			await clear.publishAsync(`${topicBase}/presence/quinn`, '', {qos: 1, retain: true});
			await clear.endAsync();
		}
	});
});
