// Noticed in the issue 9 audit: mqtt.js stops reconnecting for good after a broker refuses a
// reconnect's CONNECT (its `reconnectOnConnackError` default), so an ingester whose login was
// refused once — its account's password rotated before the new one reached it, or a broker
// refusing while its security plugin loads — stayed down until restarted by hand, with /healthz
// at 503 (compose does not restart unhealthy containers). It now keeps retrying, as the chat does.
// The broker is in-process aedes that lets the ingester in, then refuses it for a while.
import {afterEach, expect, it} from 'vitest';
import {subscribeToChat} from '../../src/ingest/subscription.js';
import {emptyStats} from '../../src/ingest/types.js';
import {silentLogger} from '../../src/log.js';
import {startRefusingAedesServer} from '../helpers/aedes-server.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('an ingester whose reconnect the broker refused reconnects once the broker lets it in again', async () => {
	const broker = await startRefusingAedesServer();
	cleanups.push(() => broker.close());
	const {port, sockets} = broker;
	const subscription = await subscribeToChat({
		mqttUrl: `mqtt://ingester:secret@127.0.0.1:${port}`,
		topicBase: 'refusal-test/messages',
		sharedGroup: 'g',
		logger: silentLogger(),
		stats: emptyStats(),
		onItem: () => undefined,
	});
	cleanups.push(() => subscription.close(100));
	const until = async (condition: () => boolean) => {
		while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
	};
	expect(subscription.isConnected()).toBe(true);

	broker.setAllowed(false);
	for (const socket of sockets) socket.destroy();
	// Two refused reconnects: before the fix mqtt.js made one attempt and stopped (this timed out).
	await until(() => broker.refusals() >= 2);
	expect(subscription.isConnected()).toBe(false);

	broker.setAllowed(true);
	await until(() => subscription.isConnected());
	expect(sockets.size).toBe(1);
}, 20_000);
