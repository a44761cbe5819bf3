// Test helper: a chat user as a plain mqtt.js client (raw publishes, ✓ receipts collected),
// a protocol 2 user (Member: inbox deliveries decoded), plus a bounded poll for effects that
// announce themselves with no event.
import {randomUUID} from 'node:crypto';
import mqtt, {type MqttClient} from 'mqtt';
import {expect} from 'vitest';
import {INBOX_LEVEL, SERVER_ID, clientSubscriptionsV2, decodeV2, serverTopic, type MessageV2, type PayloadV2, type StatusV2} from '../../src/protocol/index.js';

/** A JSON object payload. */
export type Json = Record<string, unknown>;

/** A chat user as a plain mqtt.js client: publishes raw bytes, collects its ✓ receipts. */
export class Sender {
	readonly confirmed = new Set<string>();
	private waiters: Array<() => void> = [];

	private constructor(
		readonly client: MqttClient,
		readonly userId: string,
		private readonly base: string,
	) {
		client.on('message', (topic, bytes) => {
			if (topic.endsWith(`/${INBOX_LEVEL}`)) return; // a v2 delivery (see Member)
			const receipt = JSON.parse(bytes.toString()) as Json;
			if (receipt.status === 'received_by_server') this.confirmed.add(String(receipt.message_id));
			for (const wake of this.waiters.splice(0)) wake();
		});
	}

	static async connect(target: {mqttUrl: string; topicBase: string}, userId: string, base = target.topicBase): Promise<Sender> {
		const client = await mqtt.connectAsync(target.mqttUrl, {clientId: `${userId}-${randomUUID().slice(0, 6)}`, reconnectPeriod: 200});
		await client.subscribeAsync(`${base}/${userId}/server`, {qos: 1});
		return new Sender(client, userId, base);
	}

	message(to: string, n: number | string, extra: Json = {}): Json {
		return {
			type: 'message',
			message_id: `${this.userId}-${n}-${randomUUID().slice(0, 8)}`,
			sender_id: this.userId,
			sender_name: `User ${this.userId}`,
			receiver_id: to,
			content: `hello ${n}`,
			timestamp: new Date().toISOString(),
			...extra,
		};
	}

	/** Publish at QoS 1 on `{base}/{to}/{me}` (or `topic`); `payload` may be raw bytes. */
	publish(to: string, payload: Json | string | Buffer, topic = `${this.base}/${to}/${this.userId}`): Promise<unknown> {
		const bytes = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload);
		return this.client.publishAsync(topic, bytes, {qos: 1});
	}

	/** Resolve once every id is confirmed, or after `timeoutMs` with the ids still missing. */
	async awaitReceipts(ids: Iterable<string>, timeoutMs = 20_000): Promise<string[]> {
		const wanted = [...ids];
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const missing = wanted.filter((id) => !this.confirmed.has(id));
			const left = deadline - Date.now();
			if (missing.length === 0 || left <= 0) return missing;
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.waiters.push(() => (clearTimeout(timer), resolve()));
			});
		}
	}

	/** Publish a message and await its ✓: everything this client published before is then written. */
	async barrier(to: string): Promise<void> {
		const sentinel = this.message(to, 'barrier');
		await this.publish(to, sentinel);
		expect(await this.awaitReceipts([String(sentinel.message_id)])).toEqual([]);
	}

	/** Re-publish every unconfirmed message (as a real client does) until all are confirmed. */
	async resendUntilConfirmed(to: string, messages: Json[], roundMs = 2_000, rounds = 15): Promise<void> {
		for (let round = 0; round < rounds; round++) {
			const missing = messages.filter((m) => !this.confirmed.has(String(m.message_id)));
			if (missing.length === 0) return;
			await Promise.all(missing.map((m) => this.publish(to, m)));
			await this.awaitReceipts(missing.map((m) => String(m.message_id)), roundMs);
		}
		throw new Error('messages never confirmed');
	}

	close(): Promise<void> {
		return this.client.endAsync();
	}
}

/** Re-run `probe` every 100 ms until `done` says so or 10 s pass; returns the last result. */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		const value = await probe();
		if (done(value) || Date.now() > deadline) return value;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** One delivery a {@link Member} got on its inbox or the broadcast inbox (decoded v2). */
export interface Delivery {
	topic: string;
	payload: PayloadV2;
	/** The QoS it arrived at (the lower of the server's publish and this subscription's). */
	qos: number;
}

/**
 * A protocol 2 chat user as a plain mqtt.js client: subscribes like a v2 TUI
 * (clientSubscriptionsV2: its inbox, the broadcast inbox, presence), publishes v2 payloads to
 * `{base}/server/{me}` and keeps every decoded inbox delivery.
 */
export class Member {
	readonly deliveries: Delivery[] = [];
	private waiters: Array<() => void> = [];

	private constructor(
		readonly client: MqttClient,
		readonly userId: string,
		readonly base: string,
	) {
		client.on('message', (topic, bytes, packet) => {
			if (!topic.endsWith(`/${INBOX_LEVEL}`)) return;
			const decoded = decodeV2(SERVER_ID, bytes);
			if (decoded.ok) this.deliveries.push({topic, payload: decoded.payload, qos: packet.qos});
			for (const wake of this.waiters.splice(0)) wake();
		});
	}

	/** Connect (MQTT username = user id, for brokers with an ACL) and subscribe as a v2 client. */
	static async connect(target: {mqttUrl: string; topicBase: string}, userId: string, options: {password?: string} = {}): Promise<Member> {
		const client = await mqtt.connectAsync(target.mqttUrl, {
			clientId: `${userId}-${randomUUID().slice(0, 6)}`, reconnectPeriod: 200,
			...(options.password ? {username: userId, password: options.password} : {}),
		});
		await client.subscribeAsync(clientSubscriptionsV2(target.topicBase, userId), {qos: 1});
		return new Member(client, userId, target.topicBase);
	}

	/** Publish a v2 payload (author fields filled in) at QoS 1 (QoS 0 for typing) on `{base}/server/{me}`, or raw bytes on `topic`. */
	async publish(payload: Json | Buffer, topic = serverTopic(this.base, this.userId)): Promise<void> {
		const bytes = Buffer.isBuffer(payload) ? payload : JSON.stringify({v: 2, timestamp: new Date().toISOString(), ...payload});
		await this.client.publishAsync(topic, bytes, {qos: !Buffer.isBuffer(payload) && payload.type === 'typing' ? 0 : 1});
	}

	/** Post a text message; resolves with its message_id once published (not yet confirmed). */
	async send(conversationId: string, content: string): Promise<string> {
		const id = `${this.userId}-${randomUUID()}`;
		await this.publish({type: 'message', message_id: id, conversation_id: conversationId, sender_id: this.userId, sender_name: `User ${this.userId}`, content});
		return id;
	}

	/** Ask for a room action; resolves with its message_id once published. */
	async room(conversationId: string, action: string, extra: Json = {}): Promise<string> {
		const id = `${this.userId}-room-${randomUUID()}`;
		await this.publish({type: 'room', message_id: id, conversation_id: conversationId, sender_id: this.userId, sender_name: `User ${this.userId}`, action, ...extra});
		return id;
	}

	/** Publish a delivered/read receipt about a delivered message. */
	async receipt(message: MessageV2, status: 'delivered' | 'read'): Promise<void> {
		await this.publish({type: 'status', status, conversation_id: message.conversation_id, message_id: message.message_id, sender_id: message.sender_id, user_id: this.userId});
	}

	/** The server's answer about my publish `messageId`: resolves with the received_by_server or rejected status (20 s at most). */
	async outcome(messageId: string): Promise<StatusV2> {
		const found = await this.waitFor((d) => d.payload.type === 'status' && d.payload.message_id === messageId && d.payload.sender_id === this.userId
			&& (d.payload.status === 'received_by_server' || d.payload.status === 'rejected'));
		return found.payload as StatusV2;
	}

	/** Inbox messages received so far (dedupe by sender and id, as a client does), in arrival order. */
	messages(conversationId?: string): MessageV2[] {
		const seen = new Set<string>();
		return this.deliveries.flatMap(({payload}) => {
			if (payload.type !== 'message' || (conversationId && payload.conversation_id !== conversationId)) return [];
			const key = `${payload.sender_id}/${payload.message_id}`;
			if (seen.has(key)) return [];
			seen.add(key);
			return [payload];
		});
	}

	/** Resolve with the first delivery matching `match` (past or future); throws after `timeoutMs`. */
	async waitFor(match: (delivery: Delivery) => boolean, timeoutMs = 20_000): Promise<Delivery> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = this.deliveries.find(match);
			if (found) return found;
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`${this.userId}: no matching delivery within ${timeoutMs} ms`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.waiters.push(() => (clearTimeout(timer), resolve()));
			});
		}
	}

	/** Disconnect now (forced: a client the broker refused may be between reconnects). */
	close(): Promise<void> {
		return this.client.endAsync(true);
	}
}
