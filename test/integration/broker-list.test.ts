// connectBroker with several broker URLs, against the real Mosquitto: the first connection skips a
// broker that is down, names every broker when none answers, and the client fails over when its
// broker goes away (a private Mosquitto on port 21834 that this test kills).
import {afterEach, describe, expect, it} from 'vitest';
import {connectBroker, connectedBroker} from '../../src/live/connect.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../helpers/targets.js';
import {mosquittoProblem, PrivateMosquitto} from '../faults/helpers/services.js';

/** Nothing listens here (this test's range, 21800–21899). */
const CLOSED = 'mqtt://127.0.0.1:21835';
const PRIVATE_PORT = 21834;
const problem = (await isBrokerReachable(TEST_MQTT_URL)) ? mosquittoProblem() : `MQTT broker unreachable at ${TEST_MQTT_URL}`;
const REQUIRE_SERVICES = process.env.HERMES_REQUIRE_SERVICES === '1';

describe.skipIf(problem !== undefined && !REQUIRE_SERVICES)(`several broker URLs${problem ? ` (skipped: ${problem})` : ''}`, () => {
	const cleanups: Array<() => Promise<unknown>> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
	});

	it('the first connection skips a broker that is down', async () => {
		const {client} = await connectBroker({url: `${CLOSED},${TEST_MQTT_URL}`, clientId: `list-${process.pid}-1`, connectTimeoutMs: 2_000});
		cleanups.push(() => client.endAsync(true));
		expect(client.connected).toBe(true);
		expect(connectedBroker(client)).toBe(TEST_MQTT_URL.replace(/^mqtt:\/\/[^@]*@/, 'mqtt://'));
	});

	it('fails in one line naming every broker when none answers', async () => {
		const attempt = connectBroker({url: `${CLOSED},mqtt://u:secret@127.0.0.1:21836`, clientId: `list-${process.pid}-2`, connectTimeoutMs: 2_000});
		await expect(attempt).rejects.toThrow(/^MQTT brokers \(none of 2 answered\): mqtt:\/\/127\.0\.0\.1:21835: .+; mqtt:\/\/127\.0\.0\.1:21836: .+$/);
		await attempt.catch((error: Error) => {
			expect(error.message).not.toContain('\n');
			expect(error.message).not.toContain('secret');
		});
	});

	it('refuses a malformed list before connecting (code BAD_URL)', async () => {
		await expect(connectBroker({url: `${TEST_MQTT_URL},,`, clientId: 'x'})).rejects.toMatchObject({code: 'BAD_URL', message: expect.stringMatching(/^MQTT broker URL 2 of 3 is empty/)});
	});

	it('a connected client fails over to the next broker when its broker is killed, and subscribes there again', async () => {
		if (problem) throw new Error(`required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		const first = await PrivateMosquitto.start(PRIVATE_PORT);
		cleanups.push(() => first.stop());
		const {client} = await connectBroker({url: `${first.url},${TEST_MQTT_URL}`, clientId: `list-${process.pid}-3`, reconnectPeriodMs: 100});
		cleanups.push(() => client.endAsync(true));
		expect(connectedBroker(client)).toBe(first.url);
		const topic = `list-test-${process.pid}-${Date.now()}/x`;
		await client.subscribeAsync(topic, {qos: 1});
		const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
		await first.kill9();
		await reconnected;
		expect(connectedBroker(client)).not.toBe(first.url);
		// mqtt.js subscribes again on the new broker (clean start): a publish there arrives.
		const arrived = new Promise<string>((resolve) => client.on('message', (_t, payload) => resolve(payload.toString())));
		for (let i = 0; i < 50; i++) {
			await client.publishAsync(topic, 'after fail-over', {qos: 1});
			const got = await Promise.race([arrived, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
			if (got) return expect(got).toBe('after fail-over');
		}
		throw new Error('no publish arrived on the second broker');
	});
});
