// Test helper: a chat user as a plain mqtt.js client (raw publishes, ✓ receipts collected),
// plus a bounded poll for effects that announce themselves with no event.
import {randomUUID} from 'node:crypto';
import mqtt, {type MqttClient} from 'mqtt';
import {expect} from 'vitest';

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
		client.on('message', (_topic, bytes) => {
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
