// Fault scenarios on the services: PostgreSQL stopped and restarted under load, and kill -9 of
// Mosquitto with persistence on. Each runs a PRIVATE instance (ports 21610 and 21620, files
// under /tmp/faults/) so that stopping it disturbs nobody else.
import {afterEach, describe, expect, it} from 'vitest';
import {createTestDatabase} from '../helpers/db.js';
import {TEST_MQTT_URL} from '../helpers/targets.js';
import {report} from './helpers/checker.js';
import {ChatProcess, IngesterProcess, SCENARIO_MS} from './helpers/processes.js';
import {ackedNow, freshTopicBase, observe, sharedServicesProblem, shouldSkip} from './helpers/scenario.js';
import {mosquittoProblem, postgresProblem, PrivateMosquitto, PrivatePostgres} from './helpers/services.js';

const PG_PORT = 21610;
const MQTT_PORT = 21620;
const problem = (await sharedServicesProblem()) ?? postgresProblem() ?? mosquittoProblem();

describe.skipIf(shouldSkip(problem))(`services down${problem ? ` (skipped: ${problem})` : ''}`, () => {
	const cleanups: Array<() => Promise<unknown>> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
	});

	function track<T extends {kill(): Promise<void>}>(process: T): T {
		cleanups.push(() => process.kill());
		return process;
	}

	it('PostgreSQL stopped and restarted under load: every message stored once', async () => {
		if (problem) throw new Error(`required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		const started = Date.now();
		const postgres = await PrivatePostgres.start(PG_PORT);
		cleanups.push(() => postgres.destroy());
		const services = {mqttUrl: TEST_MQTT_URL, databaseUrl: postgres.urlOf('test'), topicBase: freshTopicBase()};
		const ingester = track(await IngesterProcess.start(services));
		const alice = track(await ChatProcess.start({...services, userId: 'alice', resendAfterMs: 1_000, maxResendAfterMs: 2_000}));
		alice.command({cmd: 'send', to: 'bob', prefix: 'pg', count: 1_500});
		await alice.waitFor('some ✓ but not all', () => alice.acked.size >= 150);
		await postgres.stop('fast');
		const before = ackedNow([alice]);
		expect(before.size, 'PostgreSQL stopped mid-stream').toBeLessThan(1_500);
		// Under load while it is down: the ingester must have failed (and kept) at least two batches.
		await ingester.waitFor('two failed batch writes', () => !ingester.isRunning || ingester.logLines.filter((l) => l.msg === 'batch write failed; retrying').length >= 2);
		// Seen on main: the ingester dies here ("Unhandled 'error' event" on a pg Client checked
		// out of the pool between two statements — ECONNRESET / 57P01), so nothing is stored until
		// someone restarts it. A process supervisor would hide that; the ingester must not need one.
		expect(ingester.isRunning, `the ingester survives PostgreSQL going away:\n${ingester.stderrTail.slice(-12).join('\n')}`).toBe(true);
		await alice.waitFor('1500 queued', () => alice.sent.size === 1_500);
		await postgres.start();
		await alice.allAcked();
		report('PostgreSQL stopped + restarted (1,500)', await observe(services.databaseUrl, [alice], before), Date.now() - started);
	}, SCENARIO_MS);

	// KNOWN FAILURE (issue 11 outcome 5, open): every message is stored once and confirmed, but the
	// receiver reports some redeliveries again. Protocol 1 (peer to peer): 1,400–2,000 of 1,500.
	// Protocol 2 (server fan-out with seq, 3 runs on 2026-11-30): 0, 142 and 333. Mosquitto restores
	// its last persistence snapshot, so it redelivers messages bob already had; past his per-sender
	// memory (1,000 ids) a redelivery is checked against his stored `delivered` receipt, often still
	// in flight after the restart. Next step: the server stamps each delivery with the previous seq
	// of its conversation (one row lock per conversation per batch), so a client knows "everything
	// up to seq N of this conversation is reported" exactly, in bounded memory. Flip to `it` then.
	it.fails('kill -9 of Mosquitto (persistence on) under load: every message stored once, none shown twice', async () => {
		if (problem) throw new Error(`required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		const started = Date.now();
		const db = await createTestDatabase();
		cleanups.push(() => db.drop());
		const broker = await PrivateMosquitto.start(MQTT_PORT);
		cleanups.push(() => broker.stop());
		const services = {mqttUrl: broker.url, databaseUrl: db.url, topicBase: freshTopicBase()};
		track(await IngesterProcess.start(services));
		const alice = track(await ChatProcess.start({...services, userId: 'alice', resendAfterMs: 1_000, maxResendAfterMs: 2_000}));
		const bob = track(await ChatProcess.start({...services, userId: 'bob'}));
		alice.command({cmd: 'send', to: 'bob', prefix: 'mq', count: 1_500});
		await alice.waitFor('some ✓ but not all', () => alice.acked.size >= 150);
		// On the merged branch (3 runs, 14:1x–14:3x UTC) every message was stored once and got its ✓,
		// but bob reported 1,473, 1,984 and 1,881 repeat arrivals. Probable cause (not proven): a burst of 1,500 overflows his per-sender
		// dedupe window (1,000 ids); redeliveries older than its floor come as `isPossibleRepeat`,
		// and ChatClient#reportUnlessDelivered reports them again whenever bob's own `delivered` is
		// not stored yet (still in flight to the ingester, or lost with the broker). Open: fix in
		// src/client + src/live (remember ids reported through that path), not in this test.
		// Seen on the old main, about one run in two: after the restart some of alice's messages stay ◷
		// forever. Probable cause: mqtt.js clears its packet-id provider on CONNACK and replays its
		// outgoing store, while ChatLink's outbox republishes at once on `connect`; a new publish
		// that takes a stored packet's id makes mqtt.js skip that packet ("messageId has already
		// used"), its callback never runs, and the outbox never resends an entry it thinks in flight.
		await broker.kill9();
		const before = ackedNow([alice]);
		expect(before.size, 'the broker died mid-stream').toBeLessThan(1_500);
		await broker.restart();
		await alice.waitFor('1500 queued', () => alice.sent.size === 1_500);
		await alice.allAcked();
		// Bob may have missed some live (stored, ✓, in his history): only repeats count here.
		report('kill -9 Mosquitto, persistence on (1,500)', await observe(db.url, [alice], before, [bob]), Date.now() - started);
	}, SCENARIO_MS);
});
