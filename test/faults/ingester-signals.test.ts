// Fault scenarios on the ingester process: kill -9 with messages in flight, and SIGTERM of one of
// two ingesters (shared subscription) while a sender that never resends is mid-stream.
// Real Mosquitto + PostgreSQL of the machine; each scenario has its own database and topic base.
// The SIGTERM scenario runs on a private Mosquitto with production's queue limits
// (docker/mosquitto/mosquitto.conf): with the machine's defaults (max_queued_messages 1000) a
// burst of 3,000 to a sender that never resends outruns a loaded ingester's queue, and Mosquitto
// drops QoS 1 messages ("Outgoing messages are being dropped for client hermes-ingest-…" in its
// log, seen at the moment of a CI run that lost 34) — a broker setting, not the drain.
import {afterEach, describe, expect, it} from 'vitest';
import {createTestDatabase, type TestDatabase} from '../helpers/db.js';
import {TEST_MQTT_URL} from '../helpers/targets.js';
import {freePort} from '../helpers/account-services.js';
import {report} from './helpers/checker.js';
import {ChatProcess, IngesterProcess, SCENARIO_MS} from './helpers/processes.js';
import {PrivateMosquitto} from './helpers/services.js';
import {ackedNow, freshTopicBase, observe, sharedServicesProblem, shouldSkip} from './helpers/scenario.js';

const problem = await sharedServicesProblem();

describe.skipIf(shouldSkip(problem))(`ingester signals${problem ? ` (skipped: ${problem})` : ''}`, () => {
	const cleanups: Array<() => Promise<unknown>> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
	});

	async function setUp(): Promise<{db: TestDatabase; topicBase: string}> {
		if (problem) throw new Error(`services required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		const db = await createTestDatabase();
		cleanups.push(() => db.drop());
		return {db, topicBase: freshTopicBase()};
	}

	function track<T extends {kill(): Promise<void>}>(process: T): T {
		cleanups.push(() => process.kill());
		return process;
	}

	it('kill -9 of the ingester with messages in flight: a new ingester stores every message once', async () => {
		const started = Date.now();
		const {db, topicBase} = await setUp();
		const services = {mqttUrl: TEST_MQTT_URL, databaseUrl: db.url, topicBase};
		const first = track(await IngesterProcess.start(services, 'ingester 1'));
		const alice = track(await ChatProcess.start({...services, userId: 'alice', resendAfterMs: 1_000, maxResendAfterMs: 2_000}));
		const bob = track(await ChatProcess.start({...services, userId: 'bob'}));
		alice.command({cmd: 'send', to: 'bob', prefix: 'kill9', count: 1_000});
		await alice.waitFor('some ✓ but not all', () => alice.acked.size >= 100);
		await first.kill();
		const before = ackedNow([alice]);
		expect(before.size, 'the kill came mid-stream').toBeLessThan(1_000);
		track(await IngesterProcess.start({...services, flags: ['--no-migrate']}, 'ingester 2'));
		await alice.waitFor('3000 queued', () => alice.sent.size === 1_000);
		await alice.allAcked();
		await bob.waitFor('bob got all', () => bob.arrived.size === 1_000).catch((e) => { console.info(`[faults] kill -9 ingester: bob has ${bob.arrived.size} of 1,000 live, alice ${alice.acked.size} ✓`); throw e; });
		report('kill -9 ingester (1,000 in flight)', await observe(db.url, [alice], before, [bob]), Date.now() - started);
	}, SCENARIO_MS);

	// Fails on today's main (issue 11, outcome 1, "ingester" engineer): SIGTERM aborts instead of
	// draining — `when-exit` (via conf → atomically) re-raises the signal and cli/commands/ingest.ts
	// takes it for the second, "abandon" signal; what the stopped ingester held is lost because
	// this sender never resends. Flip to `it` when the graceful drain lands.
	it('SIGTERM of one of two ingesters mid-stream, sender never resends: nothing lost', async () => {
		const started = Date.now();
		const {db, topicBase} = await setUp();
		const broker = await PrivateMosquitto.start(await freePort());
		cleanups.push(() => broker.stop());
		const services = {mqttUrl: broker.url, databaseUrl: db.url, topicBase};
		const first = track(await IngesterProcess.start(services, 'ingester A'));
		track(await IngesterProcess.start({...services, flags: ['--no-migrate']}, 'ingester B'));
		// A resend delay of an hour: this sender publishes each message once (no reconnect happens).
		const alice = track(await ChatProcess.start({...services, userId: 'alice', resendAfterMs: 3_600_000, maxResendAfterMs: 3_600_000}));
		alice.command({cmd: 'send', to: 'bob', prefix: 'term', count: 3_000});
		await alice.waitFor('some ✓ but not all', () => alice.acked.size >= 300);
		first.signal('SIGTERM');
		const before = ackedNow([alice]);
		const code = await first.exited;
		await alice.waitFor('3000 queued', () => alice.sent.size === 3_000);
		// Liveness bound, not a speed threshold: with nothing resent, what is missing now stays missing.
		await alice.allAcked(30_000).catch(() => undefined);
		const outcome = await observe(db.url, [alice], before);
		if (outcome.lost > 0) console.info(`[faults] SIGTERM: the drained ingester's last log lines:\n${first.stderrTail.slice(-8).join('\n')}`);
		report('SIGTERM 1 of 2 ingesters, no resend (3,000)', outcome, Date.now() - started);
		expect(code, 'a drained ingester exits 0').toBe(0);
	}, SCENARIO_MS);
});
