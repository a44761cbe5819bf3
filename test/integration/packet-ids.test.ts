// connectBroker never reuses a packet identifier while its PUBLISH is unacknowledged (MQTT 5.0
// §2.2.1). Against a broker of this test's own (mqtt-packet on a socket) that withholds PUBACKs:
// 65,535 publishes leave with distinct ids, the rest wait in mqtt.js, and once PUBACKs free ids
// every publish goes out and its callback runs exactly once. mqtt.js's default id provider
// counted round the 16-bit space without looking, so past 65,535 in flight a new publish took
// an in-flight id and overwrote its PUBACK callback (a receipt of the ingester never settled).
import {createServer, type AddressInfo, type Socket} from 'node:net';
import mqttPacket from 'mqtt-packet';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {connectBroker} from '../../src/live/connect.js';

const ID_SPACE = 65_535;
const EXTRA = 100;

/** A broker that accepts one MQTT 5 connection, records PUBLISH packet ids and PUBACKs only once released. */
function withholdingBroker() {
	let socket: Socket | undefined;
	const puback = (messageId: number) => socket!.write(mqttPacket.generate({cmd: 'puback', messageId, reasonCode: 0}, {protocolVersion: 5}));
	const broker = {
		/** Ids of every PUBLISH read, in order. */
		ids: [] as number[],
		/** Ids whose PUBACK is held back. */
		held: [] as number[],
		pings: 0,
		isReleased: false,
		/** PUBACK what is held, and every later PUBLISH at once. */
		release() {
			broker.isReleased = true;
			for (const id of broker.held.splice(0)) puback(id);
		},
		server: createServer((connection) => {
			socket = connection;
			const parser = mqttPacket.parser({protocolVersion: 5});
			parser.on('packet', (packet) => {
				if (packet.cmd === 'connect') connection.write(mqttPacket.generate({cmd: 'connack', sessionPresent: false, reasonCode: 0}, {protocolVersion: 5}));
				else if (packet.cmd === 'pingreq') broker.pings++;
				else if (packet.cmd === 'publish') {
					broker.ids.push(packet.messageId!);
					if (broker.isReleased) puback(packet.messageId!);
					else broker.held.push(packet.messageId!);
				}
			});
			connection.on('data', (bytes) => parser.parse(bytes));
			connection.on('error', () => undefined);
		}),
	};
	return broker;
}

describe('packet identifiers (MQTT 5.0 §2.2.1)', () => {
	const cleanups: Array<() => unknown> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});

	it(`keeps ${ID_SPACE.toLocaleString('en')} publishes in flight with distinct ids, queues the rest, and settles each publish once`, async () => {
		const broker = withholdingBroker();
		await new Promise<void>((resolve) => broker.server.listen(0, '127.0.0.1', resolve));
		cleanups.push(() => new Promise((resolve) => broker.server.close(resolve)));
		const {port} = broker.server.address() as AddressInfo;
		const {client} = await connectBroker({url: `mqtt://127.0.0.1:${port}`, clientId: `ids-${process.pid}`, reconnectPeriodMs: 0});
		cleanups.push(() => client.end(true));

		const settled = new Array<number>(ID_SPACE + EXTRA).fill(0);
		const errors: Error[] = [];
		for (let i = 0; i < settled.length; i++) {
			client.publish(`t/${i}`, 'x', {qos: 1}, (error) => {
				settled[i]!++;
				if (error) errors.push(error);
			});
		}
		// A barrier on the same socket: when the broker reads it, it has read every PUBLISH
		// mqtt.js wrote before it (TCP keeps the order).
		client.stream.write(mqttPacket.generate({cmd: 'pingreq'}));
		await vi.waitFor(() => expect(broker.pings).toBe(1), {timeout: 30_000, interval: 20});
		expect(broker.held).toHaveLength(ID_SPACE);
		expect(new Set(broker.held).size).toBe(ID_SPACE);
		expect(settled.every((n) => n === 0)).toBe(true);

		broker.release();
		await vi.waitFor(() => expect(settled.filter((n) => n > 0)).toHaveLength(settled.length), {timeout: 30_000, interval: 20});
		expect(broker.ids).toHaveLength(ID_SPACE + EXTRA);
		expect(settled.every((n) => n === 1)).toBe(true);
		expect(errors).toEqual([]);
	}, 60_000);
});
