// Fault scenarios on the services: PostgreSQL stopped and restarted under load, and kill -9 of
// Mosquitto with persistence on. Each runs a PRIVATE instance (ports 21610 and 21620, or
// FAULTS_PG_PORT / FAULTS_MQTT_PORT; files under FAULTS_TMP, default /tmp/faults/) so that
// stopping it disturbs nobody else.
import {afterEach, describe, expect, it} from 'vitest';
import {createTestDatabase} from '../helpers/db.js';
import {TEST_MQTT_URL} from '../helpers/targets.js';
import {report} from './helpers/checker.js';
import {ChatProcess, IngesterProcess, SCENARIO_MS} from './helpers/processes.js';
import {ackedNow, freshTopicBase, observe, sharedServicesProblem, shouldSkip} from './helpers/scenario.js';
import {mosquittoProblem, postgresProblem, PrivateMosquitto, PrivatePostgres} from './helpers/services.js';

const PG_PORT = Number(process.env.FAULTS_PG_PORT ?? 21610);
const MQTT_PORT = Number(process.env.FAULTS_MQTT_PORT ?? 21620);
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

	// Mosquitto restores its last persistence snapshot, the ingester's unacknowledged fan-out is
	// published again and alice's resends deliver stored copies again: bob gets many messages a
	// second time, long after the first. Before the server's prev_seq (protocol 2.1) bob recognised
	// a redelivery older than his per-sender memory (1,000 ids) only by his stored `delivered`
	// receipt, often still in flight after the restart: he was shown 0, 142, 333, 0, 0 of 1,500
	// again (five runs), and 0, 462, 253 with that client on the 2.1 server (2026-11-30, load ~25).
	// Now he remembers the ranges (prev_seq, seq] he reported per conversation: 0 in 8 of 8 runs.
	// Bob may have missed some live (stored, ✓, in his history): only repeats count there.
	it('kill -9 of Mosquitto (persistence on) under load: every message stored once, none shown twice (issue 11 outcome 5)', async () => {
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
		const stored = await observe(db.url, [alice], before);
		const shown = await observe(db.url, [alice], before, [bob]);
		const shownTwice = shown.duplicated - stored.duplicated;
		console.info(`[faults] kill -9 Mosquitto: bob was shown ${shownTwice} of 1,500 messages a second time (${bob.arrived.size} shown live)`);
		// `report` checks storage (0 lost, 0 duplicated); the receiver's count is the contract of outcome 5.
		report('kill -9 Mosquitto, persistence on (1,500)', shown, Date.now() - started);
		expect(shownTwice, 'bob was shown no message twice').toBe(0);
	}, SCENARIO_MS);
});
