// Graceful drain on real Mosquitto + PostgreSQL with real `hermes-chat ingest` processes (issue 11):
// SIGTERM one of two ingesters on the shared subscription mid-stream, with a publisher that never
// re-sends — every message the broker accepted is stored exactly once.
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CuttableProxy} from '../helpers/cuttable-proxy.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {spawnIngest, type IngestProcess} from '../helpers/ingest-process.js';
import {Sender, type Json} from '../helpers/sender.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../helpers/targets.js';

const isAvailable = (await isBrokerReachable(TEST_MQTT_URL)) && (await isPostgresReachable());
if (!isAvailable && process.env.HERMES_REQUIRE_SERVICES === '1') throw new Error('Mosquitto or PostgreSQL is not reachable');

/**
 * Messages in the stream, and how many may wait for their ✓ at once (flow control, not re-sending:
 * Mosquitto's default max_queued_messages is 1000 per client). Larger runs by hand, on a broker
 * with raised queue limits: HERMES_DRAIN_MESSAGES=20000 HERMES_DRAIN_WINDOW=5000 TEST_MQTT_URL=….
 */
const TOTAL = Number(process.env.HERMES_DRAIN_MESSAGES ?? 2_000);
const WINDOW = Number(process.env.HERMES_DRAIN_WINDOW ?? 300);

describe.skipIf(!isAvailable)('hermes-chat ingest drains on SIGTERM', () => {
	let database: TestDatabase;
	let pool: pg.Pool;
	const processes: IngestProcess[] = [];
	const topicBase = `drain${randomUUID().slice(0, 8)}/chat`;
	const start = (extra: string[] = []) => {
		const ingest = spawnIngest(['--shared-group', `g${randomUUID().slice(0, 8)}`, ...extra], {
			MQTT_URL: TEST_MQTT_URL,
			DATABASE_URL: database.url,
			MQTT_TOPIC: topicBase,
		});
		processes.push(ingest);
		return ingest;
	};
	const stored = async () =>
		(await pool.query<{rows: number; ids: number}>('SELECT count(*)::int AS rows, count(DISTINCT message_id)::int AS ids FROM chat_messages')).rows[0]!;

	beforeAll(async () => {
		database = await createTestDatabase();
		pool = new pg.Pool({connectionString: database.url, max: 2});
		pool.on('error', () => undefined);
	});
	afterAll(async () => {
		for (const ingest of processes) ingest.kill();
		await pool?.end();
		await database?.drop();
	});

	it('SIGTERM of one of two ingesters mid-stream, publisher never re-sends: 0 lost, 0 duplicated', async () => {
		const group = ['--shared-group', `g${randomUUID().slice(0, 8)}`];
		const first = start(group);
		await first.waitForLog((line) => line.msg === 'ingester running', 60_000);
		const second = start([...group, '--no-migrate']);
		await second.waitForLog((line) => line.msg === 'ingester running', 60_000);

		const t0 = performance.now();
		const alice = await Sender.connect({mqttUrl: TEST_MQTT_URL, topicBase}, `alice${randomUUID().slice(0, 6)}`);
		const messages: Json[] = Array.from({length: TOTAL}, (_, i) => alice.message('bob', i));
		let signalledAt = -1;
		// Publish each message once; keep at most WINDOW without their ✓ (so no broker queue
		// overflows), and SIGTERM the first ingester once a fifth of the stream is published.
		for (let i = 0; i < TOTAL; i++) {
			while (i - alice.confirmed.size >= WINDOW) await alice.awaitReceipts(['never'], 50);
			await alice.publish('bob', messages[i]!);
			if (i === Math.floor(TOTAL / 5)) {
				signalledAt = i;
				first.child.kill('SIGTERM');
			}
		}
		expect(signalledAt).toBeGreaterThan(0);
		console.info(`drain: published all after ${Math.round(performance.now() - t0)} ms`);
		const exit = await first.exited;
		expect(exit).toEqual({code: 0, signal: null});
		const drained = first.lines.find((line) => line.msg === 'unsubscribed; committing what was received');
		expect(drained?.isDrained).toBe(true);
		expect(first.lines.some((line) => line.msg === 'ingester stopped')).toBe(true);
		expect(first.lines.some((line) => /^(abandoning the drain|ingester aborted)/.test(line.msg))).toBe(false);
		const firstStats = first.lines.find((line) => line.msg === 'ingester stopped')!.stats as {messages: number};
		// It had taken part of the stream, and committed all of it before exiting.
		expect(firstStats.messages).toBeGreaterThan(0);

		// Returns as soon as all are confirmed; a lost message never is, and is counted after 2 min.
		const missing = await alice.awaitReceipts(messages.map((m) => String(m.message_id)), 120_000);
		const counts = await stored();
		const lost = missing.length;
		const duplicated = counts.rows - counts.ids;
		console.info(`drain: published ${TOTAL}, stored ${counts.ids}, lost ${lost}, duplicated ${duplicated}, ` +
			`first ingester took ${firstStats.messages} (SIGTERM after ${signalledAt} published; ` +
			`${String(drained?.receivedWhileDraining)} publishes reached it after its UNSUBSCRIBE)`);
		expect({lost, duplicated, stored: counts.ids}).toEqual({lost: 0, duplicated: 0, stored: TOTAL});
		await alice.close();
		second.child.kill('SIGTERM');
		expect(await second.exited).toEqual({code: 0, signal: null});
	}, 300_000);

	it('abandons a drain that cannot finish (PostgreSQL cut off) at the deadline, or at a second signal', async () => {
		const proxy = await CuttableProxy.start(database.url);
		try {
			const env = {MQTT_URL: TEST_MQTT_URL, DATABASE_URL: proxy.url, MQTT_TOPIC: topicBase};
			const group = ['--shared-group', `g${randomUUID().slice(0, 8)}`, '--no-migrate'];
			const byDeadline = spawnIngest([...group, '--drain-timeout-ms', '1500'], env);
			const bySignal = spawnIngest(group, env);
			processes.push(byDeadline, bySignal);
			await Promise.all([byDeadline, bySignal].map((p) => p.waitForLog((line) => line.msg === 'ingester running', 60_000)));
			proxy.cut();
			const alice = await Sender.connect({mqttUrl: TEST_MQTT_URL, topicBase}, `alice${randomUUID().slice(0, 6)}`);
			for (let i = 0; i < 20; i++) await alice.publish('bob', alice.message('bob', i));
			await Promise.all([byDeadline, bySignal].map((p) => p.waitForLog((line) => line.msg === 'batch write failed; retrying')));
			byDeadline.child.kill('SIGTERM');
			bySignal.child.kill('SIGTERM');
			await bySignal.waitForLog((line) => line.msg.startsWith('draining'));
			bySignal.child.kill('SIGTERM');
			expect(await byDeadline.exited).toEqual({code: 0, signal: null});
			expect(await bySignal.exited).toEqual({code: 0, signal: null});
			expect(byDeadline.lines.find((line) => line.msg === 'abandoning the drain')?.reason).toBe('drain took longer than 1500 ms');
			expect(bySignal.lines.find((line) => line.msg === 'abandoning the drain')?.reason).toBe('second SIGTERM');
			for (const p of [byDeadline, bySignal]) {
				expect(p.lines.find((line) => line.msg.startsWith('ingester aborted'))?.abandoned).toBeGreaterThan(0);
			}
			await alice.close();
		} finally {
			await proxy.close();
		}
	}, 120_000);
});
