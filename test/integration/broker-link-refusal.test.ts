// Found by hand (issue 9): after `hermes-chat account disable carol`, carol's running chat showed
// "lost the MQTT broker … reconnecting" for good — the broker's refusal of her login was logged,
// then overwritten by the close that follows it — and mqtt.js never tried again, so re-enabling
// her did not bring her back either. The broker here is in-process aedes that lets
// alice in, then refuses her (as Mosquitto does once her account is disabled) and drops her.
import {afterEach, expect, it} from 'vitest';
import {BrokerLink, type LinkState} from '../../src/live/broker-link.js';
import {silentLogger} from '../../src/log.js';
import {startRefusingAedesServer} from '../helpers/aedes-server.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('says the broker refuses the login (not that it was lost) while a reconnect is refused, until one succeeds', async () => {
	const broker = await startRefusingAedesServer();
	cleanups.push(() => broker.close());
	const {port, sockets} = broker;
	const states: Array<{state: LinkState; detail: string}> = [];
	const link = new BrokerLink({
		url: `mqtt://alice:alice-password@127.0.0.1:${port}`,
		clientId: 'alice-link',
		subscriptions: ['t/alice/#'],
		logger: silentLogger(),
		reconnectPeriodMs: 20,
		onStateChanged: (state, detail) => states.push({state, detail}),
		onReady: () => undefined,
		onPublish: () => undefined,
	});
	cleanups.push(() => link.close());
	const until = async (condition: () => boolean) => {
		while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
	};
	void link.start();
	await until(() => states.at(-1)?.state === 'up');

	broker.setAllowed(false);
	for (const socket of sockets) socket.destroy();
	// Several refused reconnects, each followed by a close: the line stays the refusal.
	await until(() => broker.refusals() >= 3);
	await until(() => states.at(-1)?.detail.startsWith('the MQTT broker refuses this login now') === true);
	expect(states.at(-1)).toEqual({state: 'down', detail: expect.stringMatching(/^the MQTT broker refuses this login now \(Bad username or password\) — account disabled or password changed\? Retrying$/)});
	const afterRefusal = states.length;
	await until(() => broker.refusals() >= 5);
	expect(states.slice(afterRefusal - 1).every((s) => s.detail.startsWith('the MQTT broker refuses this login now'))).toBe(true);

	// Re-enabled: the chat is back by itself (mqtt.js alone gave up after the first refused CONNECT).
	broker.setAllowed(true);
	await until(() => states.at(-1)?.state === 'up');
	// A later plain loss is a lost broker again.
	for (const socket of sockets) socket.destroy();
	await until(() => states.some((s, i) => i > afterRefusal && s.detail.startsWith('lost the MQTT broker')));
}, 20_000);
