// The chat client catches up from PostgreSQL after its broker connection was down (issue 7,
// outcome 9), once per target (real Mosquitto + PostgreSQL with our own ingester, and the
// embedded hub). A TCP proxy in front of the broker cuts one client's connection, as a broker
// or hub restart would; what was published meanwhile never reaches it live (clean sessions).
import {randomUUID} from 'node:crypto';
import mqtt from 'mqtt';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {createChatClient} from '../../src/client/chat-client.js';
import type {ChatEvent, ChatPort} from '../../src/core/types.js';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {silentLogger} from '../../src/log.js';
import {openDb} from '../../src/store/db.js';
import {CuttableProxy} from '../helpers/cuttable-proxy.js';
import {forEachTarget, type Target} from '../helpers/targets.js';

type EventOf<T extends ChatEvent['type']> = Extract<ChatEvent, {type: T}>;

/** Records a port's events; `waitFor` resolves with the first recorded or future match. */
class Recorder {
	readonly events: ChatEvent[] = [];
	#waiters: Array<{test: (e: ChatEvent) => boolean; resolve: (e: ChatEvent) => void}> = [];

	constructor(port: ChatPort) {
		port.subscribe((event) => {
			this.events.push(event);
			this.#waiters = this.#waiters.filter((w) => !(w.test(event) && (w.resolve(event), true)));
		});
	}

	waitFor<T extends ChatEvent['type']>(type: T, match: (e: EventOf<T>) => boolean = () => true, timeoutMs = 20_000): Promise<EventOf<T>> {
		const test = (e: ChatEvent): boolean => e.type === type && match(e as EventOf<T>);
		const seen = this.events.find(test);
		if (seen) return Promise.resolve(seen as EventOf<T>);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				const recent = this.events.slice(-8).map((e) => JSON.stringify(e).slice(0, 160));
				reject(new Error(`no ${type} event matched within ${timeoutMs} ms; last events:\n${recent.join('\n')}`));
			}, timeoutMs);
			this.#waiters.push({test, resolve: (e) => (clearTimeout(timer), resolve(e as EventOf<T>))});
		});
	}

	/** How many times a broker `up` was reported. */
	brokerUps(): number {
		return this.events.filter((e) => e.type === 'connection-changed' && e.service === 'broker' && e.state === 'up').length;
	}
}

/** Retry `check` until it stops throwing (for rows the ingester commits asynchronously). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await check();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

forEachTarget('chat client catch-up after a broker outage', (target: Target) => {
	let ingester: Ingester | undefined;
	const ports: ChatPort[] = [];
	const proxies: CuttableProxy[] = [];

	beforeAll(async () => {
		if (target.needsIngester) {
			ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
		}
	});
	afterAll(async () => {
		for (const port of ports) await port.close();
		for (const proxy of proxies) await proxy.close();
		await ingester?.stop();
		const clear = await mqtt.connectAsync(target.mqttUrl, {clientId: `clear-${randomUUID().slice(0, 8)}`});
		for (const id of ['ann', 'ben', 'cy', 'dee', 'eli', 'fay']) await clear.publishAsync(`${target.topicBase}/presence/${id}`, '', {qos: 1, retain: true});
		await clear.endAsync();
	});

	/** A client whose broker connection goes through a proxy the test can cut. */
	async function start(userId: string) {
		const proxy = await CuttableProxy.start(target.mqttUrl);
		proxies.push(proxy);
		const port = await createChatClient({
			identity: {userId, name: userId.toUpperCase()},
			mqttUrl: proxy.url,
			databaseUrl: target.databaseUrl,
			topicBase: target.topicBase,
			logger: silentLogger(),
			resendAfterMs: 300,
			reconnectPeriodMs: 100,
			databaseProbeMs: 200,
			catchUpSettleMs: 300,
		});
		ports.push(port);
		const recorder = new Recorder(port);
		await recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up');
		await recorder.waitFor('connection-changed', (e) => e.service === 'database' && e.state === 'up');
		return {port, recorder, proxy};
	}

	async function storedStatuses(messageId: string): Promise<string[]> {
		const db = openDb({databaseUrl: target.databaseUrl, applicationName: 'catch-up-test'});
		try {
			const {rows} = await db.query<{status: string; user_id: string}>(
				'SELECT status, user_id FROM message_status WHERE message_id = $1 ORDER BY status, user_id',
				[messageId],
			);
			return rows.map((r) => `${r.status}:${r.user_id}`);
		} finally {
			await db.close();
		}
	}

	it('shows and receipts (delivered, then read) a message stored while the recipient’s broker connection was down', async () => {
		const ann = await start('ann');
		const ben = await start('ben');
		const upsBefore = ben.recorder.brokerUps();
		ben.proxy.cut();
		await ben.recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'down');

		await ann.port.sendMessage('ann:ben', 'sent while ben was away');
		const sent = await ann.recorder.waitFor('message-sent', (e) => e.message.content === 'sent while ben was away');
		const id = sent.message.messageId;
		await ann.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'received_by_server'));

		ben.proxy.restore();
		const caught = await ben.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === id));
		expect(ben.recorder.brokerUps()).toBeGreaterThan(upsBefore);
		const message = caught.messages.find((m) => m.messageId === id)!;
		expect(message).toMatchObject({senderId: 'ann', receiverId: 'ben', content: 'sent while ben was away'});
		// Read back from PostgreSQL: it has its storage order.
		expect(message.seq).toBeGreaterThan(0);
		await ann.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'delivered' && r.userId === 'ben'));

		// Ben has the conversation open (the TUI marks it read): the read goes back to ann too.
		ben.port.markRead([message]);
		await ann.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'read' && r.userId === 'ben'));
		expect(await eventually(async () => {
			const statuses = await storedStatuses(id);
			if (!statuses.includes('read:ben')) throw new Error(`not read yet: ${statuses.join(', ')}`);
			return statuses;
		})).toEqual(['delivered:ben', 'read:ben', 'received_by_server:ann', 'sent:ann']);
		// Shown once, though the catch-up ran twice (and any late live copy is dropped).
		const copies = ben.recorder.events.flatMap((e) => (e.type === 'messages-received' ? e.messages.filter((m) => m.messageId === id) : []));
		expect(copies).toHaveLength(1);
	});

	it('completes the sender’s ticks from PostgreSQL when the receipts came while the sender was away', async () => {
		const cy = await start('cy');
		const dee = await start('dee');
		await cy.port.sendMessage('cy:dee', 'will you read this?');
		const sent = await cy.recorder.waitFor('message-sent', (e) => e.message.content === 'will you read this?');
		const id = sent.message.messageId;
		await cy.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'received_by_server'));
		const got = await dee.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === id));

		cy.proxy.cut();
		await cy.recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'down');
		dee.port.markRead(got.messages.filter((m) => m.messageId === id));
		await eventually(async () => {
			if (!(await storedStatuses(id)).includes('read:dee')) throw new Error('read not stored yet');
		});
		expect(cy.recorder.events.some((e) => e.type === 'receipts-received' && e.receipts.some((r) => r.messageId === id && r.status === 'read'))).toBe(false);

		cy.proxy.restore();
		await cy.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'read' && r.userId === 'dee'));
	});

	it('catches up on a room message stored while a member’s broker connection was down; ✓✓ once every member has it', async () => {
		const eli = await start('eli');
		const fay = await start('fay');
		const dee = await start('dee');
		const room = (await eli.port.createRoom('Night shift', ['fay', 'dee']))!;
		await fay.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.conversationId === room && m.messageType === 'system'));
		await dee.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.conversationId === room && m.messageType === 'system'));
		fay.proxy.cut();
		await fay.recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'down');

		await eli.port.sendMessage(room, 'while fay was away');
		const sent = await eli.recorder.waitFor('message-sent', (e) => e.message.content === 'while fay was away');
		const id = sent.message.messageId;
		await eli.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'delivered' && r.userId === 'dee'));
		expect(await storedStatuses(id)).not.toContain('delivered:fay');

		fay.proxy.restore();
		const caught = await fay.recorder.waitFor('messages-received', (e) => e.messages.some((m) => m.messageId === id));
		expect(caught.messages.find((m) => m.messageId === id)).toMatchObject({conversationId: room, receiverId: room, senderId: 'eli', messageType: 'text'});
		await eli.recorder.waitFor('receipts-received', (e) => e.receipts.some((r) => r.messageId === id && r.status === 'delivered' && r.userId === 'fay'));
		expect(await eventually(async () => {
			const statuses = await storedStatuses(id);
			if (!statuses.includes('delivered:fay')) throw new Error(`fay's delivered not stored yet: ${statuses.join(', ')}`);
			return statuses;
		})).toEqual(['delivered:dee', 'delivered:fay', 'received_by_server:eli', 'sent:eli']);
	});
});
