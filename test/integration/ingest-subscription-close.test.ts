// Regression (found by test/faults/frozen-ingester.test.ts, issue 11): an ingester whose publish
// never got its PUBACK kept its broker connection open after close(), so `hermes-chat ingest`
// drained, logged "ingester stopped" and never exited (seen 10 min after SIGTERM, broker alive).
// mqtt.js 5 end(false) waits for every PUBACK with no deadline of its own, and the end(true)
// meant as the fallback returns at once while that wait is on. The broker here is in-process
// aedes that answers pings but never acknowledges one topic's publishes.
import {afterEach, expect, it} from 'vitest';
import {subscribeToChat} from '../../src/ingest/subscription.js';
import {emptyStats} from '../../src/ingest/types.js';
import {silentLogger} from '../../src/log.js';
import {startAedesServer} from '../helpers/aedes-server.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('close() ends the broker connection even when a publish is never acknowledged', async () => {
	let onHeld: () => void = () => undefined;
	const held = new Promise<void>((resolve) => (onHeld = resolve));
	// authorizePublish never answering: aedes neither forwards nor acknowledges that publish.
	const broker = await startAedesServer({
		authorizePublish: (_client, packet, callback) => (packet.topic.endsWith('/held') ? onHeld() : callback(null)),
	});
	cleanups.push(() => broker.close());
	const {port, sockets} = broker;
	const subscription = await subscribeToChat({
		mqttUrl: `mqtt://127.0.0.1:${port}`,
		topicBase: 'close-test/messages',
		sharedGroup: 'g',
		logger: silentLogger(),
		stats: emptyStats(),
		onItem: () => undefined,
	});
	expect(sockets.size).toBe(1);
	subscription.publish('close-test/messages/server/held', Buffer.from('x'), 1, () => undefined);
	await held;
	await subscription.close(100);
	// No deadline of its own: before the fix the connection stayed open for good (the broker
	// answers pings, so mqtt.js's keepalive never ends it either) and this timed out.
	while (sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
	expect(subscription.isConnected()).toBe(false);
}, 20_000);
