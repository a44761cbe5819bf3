// One frozen ingester among three (SIGSTOP while its transaction holds rows) must not stop the
// others (issue 11): with statement, lock and idle-in-transaction timeouts on the ingester's
// sessions, rows keep arriving while it is stopped; real processes, Mosquitto and PostgreSQL.
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {spawnIngest, type IngestProcess} from '../helpers/ingest-process.js';
import {Sender, type Json} from '../helpers/sender.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../helpers/targets.js';

const isAvailable = (await isBrokerReachable(TEST_MQTT_URL)) && (await isPostgresReachable());
if (!isAvailable && process.env.HERMES_REQUIRE_SERVICES === '1') throw new Error('Mosquitto or PostgreSQL is not reachable');

/** Short limits keep the test bounded; the defaults (5 s lock, 10 s idle) behave the same, slower. */
const TIMEOUT_FLAGS = ['--lock-timeout-ms', '1000', '--idle-in-transaction-timeout-ms', '2000', '--statement-timeout-ms', '5000'];

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!isAvailable)('a frozen ingester among three', () => {
	let database: TestDatabase;
	let pool: pg.Pool;
	const processes: IngestProcess[] = [];
	const topicBase = `frozen${randomUUID().slice(0, 8)}/chat`;
	const group = `g${randomUUID().slice(0, 8)}`;
	const start = (extra: string[]) => {
		const ingest = spawnIngest(['--shared-group', group, ...TIMEOUT_FLAGS, ...extra], {
			MQTT_URL: TEST_MQTT_URL,
			DATABASE_URL: database.url,
			MQTT_TOPIC: topicBase,
		});
		processes.push(ingest);
		return ingest;
	};

	beforeAll(async () => {
		database = await createTestDatabase();
		pool = new pg.Pool({connectionString: database.url, max: 2});
		pool.on('error', () => undefined);
	});
	afterAll(async () => {
		for (const ingest of processes) {
			try {
				process.kill(ingest.pid, 'SIGCONT');
			} catch {
				// already gone
			}
			ingest.kill();
		}
		await pool?.end();
		await database?.drop();
	});

	it('keeps storing (and confirming) every message while one ingester is stopped inside a transaction', async () => {
		const frozen = start([]);
		await frozen.waitForLog((line) => line.msg === 'ingester running', 60_000);
		const others = [start(['--no-migrate']), start(['--no-migrate'])];
		await Promise.all(others.map((o) => o.waitForLog((line) => line.msg === 'ingester running', 60_000)));

		// A client as the TUI is one: it re-publishes every unconfirmed message (same id) each second.
		const alice = await Sender.connect({mqttUrl: TEST_MQTT_URL, topicBase}, `alice${randomUUID().slice(0, 6)}`);
		const published: Array<{message: Json; at: number}> = [];
		let isStreaming = true;
		const stream = (async () => {
			let lastResend = performance.now();
			for (let n = 0; isStreaming; n++) {
				const message = alice.message('bob', n);
				published.push({message, at: performance.now()});
				await alice.publish('bob', message);
				if (performance.now() - lastResend > 1_000) {
					lastResend = performance.now();
					const unconfirmed = published.filter((p) => !alice.confirmed.has(String(p.message.message_id)) && lastResend - p.at > 1_000);
					for (const p of unconfirmed) await alice.publish('bob', p.message);
				}
				await delay(20);
			}
		})();
		const storedRows = async () => (await pool.query<{n: number}>('SELECT count(*)::int AS n FROM chat_messages')).rows[0]!.n;
		while ((await storedRows()) < 100) await delay(100);

		// SIGSTOP the first ingester at a moment its transaction has written rows (it has an xid):
		// the others then wait on those rows' unique-index entries when alice re-sends them.
		const holdsRows = async () =>
			(await pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND backend_xid IS NOT NULL", [`hermes-chat ingest ${frozen.pid}`])).rowCount === 1;
		// Frozen for sure only once its session sits 'idle in transaction' with an xid: the server has
		// answered every statement and waits on the stopped client (a COMMIT already sent would
		// otherwise finish on its own, and the thawed ingester would have nothing to retry).
		const waitsOnClient = async () =>
			(await pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND backend_xid IS NOT NULL AND state = 'idle in transaction'", [`hermes-chat ingest ${frozen.pid}`])).rowCount === 1;
		let attempts = 0;
		for (;; attempts++) {
			expect(attempts).toBeLessThan(2_000);
			if (!(await holdsRows())) continue;
			process.kill(frozen.pid, 'SIGSTOP');
			await delay(100);
			if (await waitsOnClient()) break;
			process.kill(frozen.pid, 'SIGCONT');
		}
		const frozenAt = performance.now();
		const storedAtFreeze = await storedRows();

		// Every message published up to 2 s into the freeze — those the frozen one held included,
		// re-sent by alice to the others — is stored and confirmed while it is still stopped.
		// No deadline of its own: without the timeouts this never happens, and the test times out.
		await delay(2_000);
		const wanted = published.filter((p) => p.at < frozenAt + 2_000).map((p) => String(p.message.message_id));
		let missing = wanted;
		while (missing.length > 0) missing = await alice.awaitReceipts(wanted, 5_000);
		const caughtUpMs = Math.round(performance.now() - frozenAt);
		const storedWhileFrozen = (await storedRows()) - storedAtFreeze;
		const state = (await pool.query("SELECT state FROM pg_stat_activity WHERE application_name = $1", [`hermes-chat ingest ${frozen.pid}`])).rows;
		console.info(`frozen ingester: ${storedWhileFrozen} rows stored while it was stopped; everything published ` +
			`before freeze + 2 s confirmed ${caughtUpMs} ms after the freeze; its sessions now: ${JSON.stringify(state)}`);
		expect(storedWhileFrozen).toBeGreaterThan(0);
		expect(await holdsRows()).toBe(false);
		// Its transaction was ended by the server (idle_in_transaction_session_timeout), not by a thaw.
		expect(state.filter((row) => row.state === 'idle in transaction')).toEqual([]);

		process.kill(frozen.pid, 'SIGCONT');
		isStreaming = false;
		await stream;
		const all = published.map((p) => String(p.message.message_id));
		for (let round = 0; round < 20 && (await alice.awaitReceipts(all, 1_000)).length > 0; round++) {
			for (const p of published) if (!alice.confirmed.has(String(p.message.message_id))) await alice.publish('bob', p.message);
		}
		expect(await alice.awaitReceipts(all, 1_000)).toEqual([]);
		const counts = (await pool.query<{rows: number; ids: number}>('SELECT count(*)::int AS rows, count(DISTINCT message_id)::int AS ids FROM chat_messages')).rows[0]!;
		expect({rows: counts.rows, ids: counts.ids}).toEqual({rows: all.length, ids: all.length});
		// The thawed ingester found its session gone, retried its batch and is still running.
		await frozen.waitForLog((line) => line.msg === 'batch write failed; retrying', 10_000);
		expect(frozen.child.exitCode).toBe(null);
		await alice.close();
		for (const ingest of processes) ingest.child.kill('SIGTERM');
		for (const ingest of processes) expect(await ingest.exited).toEqual({code: 0, signal: null});
	}, 300_000);
});
