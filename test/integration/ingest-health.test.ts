// `/healthz` and `/metrics` of a real `hermes-chat ingest` process on real Mosquitto + PostgreSQL:
// healthy, counting, 503 while PostgreSQL is cut off, healthy again after; a taken port is one line.
import {randomUUID} from 'node:crypto';
import {createServer, type AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CuttableProxy} from '../helpers/cuttable-proxy.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {spawnIngest, type IngestProcess} from '../helpers/ingest-process.js';
import {pollUntil, Sender} from '../helpers/sender.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../helpers/targets.js';

const isAvailable = (await isBrokerReachable(TEST_MQTT_URL)) && (await isPostgresReachable());
if (!isAvailable && process.env.HERMES_REQUIRE_SERVICES === '1') throw new Error('Mosquitto or PostgreSQL is not reachable');

/** The value of one sample line (`name{labels} value`) of a Prometheus text exposition. */
function sample(text: string, name: string): number | undefined {
	const line = text.split('\n').find((l) => l.startsWith(`${name} `));
	return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.skipIf(!isAvailable)('hermes-chat ingest --health-port', () => {
	let database: TestDatabase;
	let proxy: CuttableProxy;
	let ingest: IngestProcess;
	let url: string;
	const topicBase = `health${randomUUID().slice(0, 8)}/chat`;
	const env = () => ({MQTT_URL: TEST_MQTT_URL, DATABASE_URL: proxy.url, MQTT_TOPIC: topicBase});
	const health = async () => {
		const response = await fetch(`${url}/healthz`);
		return {status: response.status, body: (await response.json()) as Record<string, unknown>};
	};

	beforeAll(async () => {
		database = await createTestDatabase();
		proxy = await CuttableProxy.start(database.url);
		ingest = spawnIngest(['--health-port', '0', '--shared-group', `g${randomUUID().slice(0, 8)}`], env());
		const running = await ingest.waitForLog((line) => line.msg === 'ingester running', 60_000);
		url = String(running.health);
	});
	afterAll(async () => {
		ingest?.kill();
		await proxy?.close();
		await database?.drop();
	});

	it('listens on 127.0.0.1 only by default, and /healthz says 200 with both ends reachable', async () => {
		expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(await health()).toEqual({
			status: 200,
			body: {isHealthy: true, isBrokerConnected: true, isDatabaseReachable: true, isDraining: false, pending: 0, maxPending: 100_000},
		});
		expect((await fetch(`${url}/nothing`)).status).toBe(404);
	});

	it('/metrics counts received, stored, duplicates, refused by reason, batches and their latency', async () => {
		const alice = await Sender.connect({mqttUrl: TEST_MQTT_URL, topicBase}, `alice${randomUUID().slice(0, 6)}`);
		const messages = [1, 2, 3].map((n) => alice.message('bob', n));
		for (const message of messages) await alice.publish('bob', message);
		await alice.publish('bob', messages[0]!); // a re-send: a duplicate
		await alice.publish('bob', '{"type":"message"'); // refused: invalid
		expect(await alice.awaitReceipts(messages.map((m) => String(m.message_id)))).toEqual([]);
		const scrape = async () => {
			const response = await fetch(`${url}/metrics`);
			expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
			return response.text();
		};
		// A batch's counters are not all updated in one tick (the duplicate's ✓ may go out before the
		// batch's duration is observed): wait for a settled scrape, then check every figure.
		const text = await pollUntil(
			scrape,
			(t) =>
				sample(t, 'hermes_ingest_duplicates_total') === 1 &&
				// ✓ are counted on their PUBACK, which may come after alice already has them.
				(sample(t, 'hermes_ingest_confirmations_total') ?? 0) >= 3 &&
				sample(t, 'hermes_ingest_queue_depth') === 0 &&
				sample(t, 'hermes_ingest_batches_total') === sample(t, 'hermes_ingest_batch_duration_seconds_count'),
		);
		expect(sample(text, 'hermes_ingest_stored_total')).toBe(3);
		expect(sample(text, 'hermes_ingest_duplicates_total')).toBe(1);
		expect(sample(text, 'hermes_ingest_refused_total{reason="invalid"}')).toBe(1);
		expect(sample(text, 'hermes_ingest_refused_total{reason="shed"}')).toBe(0);
		expect(sample(text, 'hermes_ingest_received_total')).toBeGreaterThanOrEqual(5);
		expect(sample(text, 'hermes_ingest_confirmations_total')).toBeGreaterThanOrEqual(3);
		expect(sample(text, 'hermes_ingest_queue_depth')).toBe(0);
		const batches = sample(text, 'hermes_ingest_batch_duration_seconds_count')!;
		expect(batches).toBeGreaterThanOrEqual(1);
		expect(sample(text, 'hermes_ingest_batches_total')).toBe(batches);
		expect(sample(text, 'hermes_ingest_batch_size_sum')).toBe(4);
		expect(sample(text, 'hermes_ingest_batch_duration_seconds_bucket{le="+Inf"}')).toBe(batches);
		await alice.close();
	});

	it('/healthz says 503 while PostgreSQL is unreachable, and 200 again once it is back', async () => {
		proxy.cut();
		const down = await pollUntil(health, (h) => h.status === 503);
		expect(down.status).toBe(503);
		expect(down.body).toMatchObject({isHealthy: false, isDatabaseReachable: false, isBrokerConnected: true});
		expect(typeof down.body.databaseError).toBe('string');
		proxy.restore();
		expect((await pollUntil(health, (h) => h.status === 200)).status).toBe(200);
	});

	it('a port that is taken fails the start with one line, exit code 1', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		const port = (taken.address() as AddressInfo).port;
		const second = spawnIngest(['--no-migrate', '--shared-group', `g${randomUUID().slice(0, 8)}`], {...env(), INGEST_HEALTH_PORT: String(port)});
		const exit = await second.exited;
		taken.close();
		expect(exit.code).toBe(1);
		expect(second.otherOutput).toEqual([
			expect.stringMatching(new RegExp(`^hermes-chat: cannot serve /healthz on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.* — pick another --health-port`)),
		]);
	});

	it('drains and exits 0 on SIGTERM, closing the health port', async () => {
		ingest.child.kill('SIGTERM');
		expect(await ingest.exited).toEqual({code: 0, signal: null});
		await expect(fetch(`${url}/healthz`)).rejects.toThrow();
	});
});
