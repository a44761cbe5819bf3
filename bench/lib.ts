// Benchmark plumbing: fresh databases, service probes, timing, a publisher that counts receipts.
// Benchmarks are tools, not product code: they may import mqtt and pg directly.
import {randomUUID} from 'node:crypto';
import mqtt, {type MqttClient} from 'mqtt';
import pg from 'pg';

/** Where the benchmarks run (env like the tests). */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** A database made for one benchmark run. */
export interface BenchDatabase {
	url: string;
	drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
	const client = new pg.Client({connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000});
	client.on('error', () => undefined);
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/** Create an empty `hermes_bench_<random>` database. */
export async function createDatabase(): Promise<BenchDatabase> {
	const name = `hermes_bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
	await admin(`CREATE DATABASE ${name}`);
	const url = new URL(PG_ADMIN_URL);
	url.pathname = `/${name}`;
	return {url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)};
}

/** Why the services cannot be used, or undefined when both answer. */
export async function servicesProblem(): Promise<string | undefined> {
	try {
		await admin('SELECT 1');
	} catch (error) {
		return `PostgreSQL unreachable at ${PG_ADMIN_URL}: ${(error as Error).message}`;
	}
	const client = mqtt.connect(MQTT_URL, {reconnectPeriod: 0, connectTimeout: 2_000});
	const ok = await new Promise<boolean>((resolve) => {
		client.once('connect', () => resolve(true));
		client.once('error', () => resolve(false));
		client.once('close', () => resolve(false));
	});
	client.end(true);
	return ok ? undefined : `MQTT broker unreachable at ${MQTT_URL}`;
}

/** Percentile `p` (0–100) of `values` (sorted copy; nearest rank). */
export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank] ?? Number.NaN;
}

/** Round to `digits` decimals. */
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Publish `count` chat messages from one user at QoS 1 and resolve when every
 * `received_by_server` receipt has arrived. Like a real client's outbox it keeps at most
 * `window` messages unconfirmed (Mosquitto queues at most 1000 per subscriber and drops the
 * rest) and re-publishes what is still unconfirmed after 2 s without progress.
 * @returns elapsed ms from the first publish to the last receipt.
 */
export async function publishAndAwaitReceipts(mqttUrl: string, base: string, count: number, window = 1_000): Promise<number> {
	const from = `bench${randomUUID().slice(0, 6)}`;
	const client: MqttClient = await mqtt.connectAsync(mqttUrl, {protocolVersion: 5});
	(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
	await client.subscribeAsync(`${base}/${from}/server`, {qos: 1});
	const payloadOf = (i: number) => JSON.stringify({
		type: 'message', message_id: `${from}-${i}`, sender_id: from, sender_name: 'Bench', receiver_id: 'peer',
		content: `benchmark message ${i}`, timestamp: new Date().toISOString(),
	});
	const unconfirmed = new Map<string, string>();
	let next = 0;
	let confirmed = 0;
	const publish = (id: string, payload: string) => client.publish(`${base}/peer/${from}`, payload, {qos: 1});
	const fill = () => {
		while (next < count && unconfirmed.size < window) {
			const id = `${from}-${next}`;
			const payload = payloadOf(next++);
			unconfirmed.set(id, payload);
			publish(id, payload);
		}
	};
	const started = performance.now();
	await new Promise<void>((resolve) => {
		let lastProgress = performance.now();
		const stall = setInterval(() => {
			if (performance.now() - lastProgress < 2_000) return;
			lastProgress = performance.now();
			for (const [id, payload] of unconfirmed) publish(id, payload);
		}, 500);
		client.on('message', (_topic, bytes) => {
			const id = String((JSON.parse(bytes.toString()) as {message_id: string}).message_id);
			if (!unconfirmed.delete(id)) return;
			confirmed++;
			lastProgress = performance.now();
			if (confirmed === count) {
				clearInterval(stall);
				resolve();
			} else fill();
		});
		fill();
	});
	const elapsed = performance.now() - started;
	await client.endAsync();
	return elapsed;
}
