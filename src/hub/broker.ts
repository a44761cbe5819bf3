// The embedded MQTT broker: aedes (MQTT 3.1.1, in-memory) on a TCP port bound to one host.
// May import aedes, node: modules and hub/ (pure framing).
import {createServer, type Server, type Socket} from 'node:net';
import {Duplex} from 'node:stream';
import {Aedes} from 'aedes';
import type {Logger} from '../log.js';
import {DEFAULT_MAX_MQTT_PACKET_BYTES, MqttPacketGuard} from './mqtt-framing.js';

/** Time a client has to send CONNECT after connecting, in ms (aedes' default is 30 000). */
export const DEFAULT_MQTT_CONNECT_TIMEOUT_MS = 10_000;

/** A listening aedes broker. */
export interface EmbeddedBroker {
	/** The port actually bound (useful when 0 was asked for). */
	port: number;
	/** `mqtt://host:port`. */
	url: string;
	/**
	 * Start draining: refuse new connections and PUBLISH from every client but `clientId`
	 * (the hub's ingester, whose receipts must still go out); a refused client is disconnected
	 * and its sender resends later (QoS 1, end-to-end resend until confirmed).
	 */
	refusePublishesExcept(clientId: string): void;
	/**
	 * Publish `payload` on `topic` at QoS 1 from the broker itself and resolve `true` once it
	 * has been written to every matching subscriber's connection — a barrier: a subscriber
	 * receives in order, so it gets everything the broker accepted before this first.
	 * Resolves `false` after `timeoutMs` (ms). (aedes keeps no packet for a clean session, so
	 * the subscriber's PUBACK cannot be matched to it.)
	 */
	publishBarrier(topic: string, payload: Buffer, timeoutMs: number): Promise<boolean>;
	/** Disconnect every client and close the listener. Never throws. */
	close(): Promise<void>;
	/** Answer the CONNECTs held by {@link ListenBrokerOptions.admitOnlyFirst} (idempotent). */
	admitAll(): void;
}

/** Options of {@link listenBroker}. */
export interface ListenBrokerOptions {
	host: string;
	/** TCP port; 0 picks a free one. */
	port: number;
	/**
	 * Until {@link EmbeddedBroker.admitAll}, only clients whose id this accepts get their CONNACK;
	 * the others wait for it (mqtt.js gives up after its connect timeout and tries again). A
	 * restarting hub binds its port first, so TUIs reconnect at once: without this they publish
	 * receipts and resends before the ingester subscribed, and those are never stored.
	 */
	admitOnlyFirst?: (clientId: string) => boolean;
	logger?: Logger;
	/** Largest packet accepted, in bytes (default {@link DEFAULT_MAX_MQTT_PACKET_BYTES}); a larger one closes the connection. */
	maxPacketBytes?: number;
	/** Time to send CONNECT, in ms (default {@link DEFAULT_MQTT_CONNECT_TIMEOUT_MS}). */
	connectTimeoutMs?: number;
	/**
	 * MQTT client id of the hub's ingester, allowed to publish to inboxes
	 * (`…/{member}/server/inbox`, protocol v2), like any client whose id starts with
	 * {@link INGESTER_CLIENT_ID_PREFIX}. Every other client is refused there.
	 */
	serverClientId?: string;
}

/**
 * Client ids of `hermes-chat ingest` (`hermes-ingest-<random>`, ingest/subscription.ts), which
 * may write inboxes too; chat clients are `hermes-chat-{user}-…` and never match. aedes has no
 * authentication, so this keeps well-behaved and buggy clients out of the inboxes, not an attacker.
 */
export const INGESTER_CLIENT_ID_PREFIX = 'hermes-ingest-';

/**
 * Whether `topic` is a protocol v2 inbox (`{base}/{member}/server/inbox`, written by the server
 * only; the same rule as the Mosquitto ACL, whose client patterns are two levels deep).
 */
export function isInboxTopic(topic: string): boolean {
	const levels = topic.split('/');
	return levels.length >= 3 && levels.at(-1) === 'inbox' && levels.at(-2) === 'server';
}

/** Thrown by {@link listenBroker} when the port is taken: usually a hub already runs. */
export class PortInUseError extends Error {
	/** The TCP port that was taken. */
	readonly port: number;

	constructor(host: string, port: number) {
		super(`port ${host}:${port} is already in use (is a hub already running?)`);
		this.name = 'PortInUseError';
		this.port = port;
	}
}

/**
 * Bind `host:port` and serve aedes on it. The port is bound before anything else of the
 * hub is opened, so of two hubs started at once exactly one gets past this point.
 * Every connection gets TCP_NODELAY: without it a QoS 1 round trip waits on Nagle plus
 * delayed ACK (~44 ms instead of ~0.5 ms, measured on aedes).
 * aedes has no MQTT 5 and no shared subscriptions; clients fall back to 3.1.1. A publish to an
 * inbox from any client but `serverClientId` is refused (aedes then closes that connection).
 * @throws PortInUseError on EADDRINUSE; the listen error otherwise.
 */
export async function listenBroker(options: ListenBrokerOptions): Promise<EmbeddedBroker> {
	let admitAll: () => void = () => undefined;
	const isOpen = options.admitOnlyFirst ? new Promise<void>((resolve) => (admitAll = resolve)) : Promise.resolve();
	let drainingFor: string | undefined;
	const broker = await Aedes.createBroker({
		connectTimeout: options.connectTimeoutMs ?? DEFAULT_MQTT_CONNECT_TIMEOUT_MS,
		preConnect: (_client, _packet, callback) => callback(null, drainingFor === undefined),
		authenticate: (client, _username, _password, done) => {
			if (options.admitOnlyFirst?.(client.id) !== false) return done(null, true);
			void isOpen.then(() => done(null, true));
		},
		// client is null for the broker's own publishes (the drain barrier).
		authorizePublish: (client, packet, callback) => {
			if (client && packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topics are reserved'));
			if (client && isInboxTopic(packet.topic) && client.id !== options.serverClientId && !client.id.startsWith(INGESTER_CLIENT_ID_PREFIX)) {
				options.logger?.warn({clientId: client.id, topic: packet.topic}, 'hub: refused a publish to an inbox (only the server writes inboxes)');
				return callback(new Error('only the server writes inboxes'));
			}
			callback(drainingFor === undefined || client?.id === drainingFor ? null : new Error('the hub is stopping'));
		},
	});
	const sockets = new Set<Socket>();
	const server = createServer((socket) => {
		socket.setNoDelay(true);
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
		broker.handle(guarded(socket, options.maxPacketBytes ?? DEFAULT_MAX_MQTT_PACKET_BYTES, options.logger));
	});
	try {
		await listen(server, options.host, options.port);
	} catch (error) {
		await new Promise<void>((resolve) => broker.close(() => resolve()));
		if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
			throw new PortInUseError(options.host, options.port);
		}
		throw error;
	}
	const port = (server.address() as {port: number}).port;
	let closing: Promise<void> | undefined;
	return {
		port,
		url: `mqtt://${options.host}:${port}`,
		admitAll: () => admitAll(),
		refusePublishesExcept(clientId) {
			drainingFor = clientId;
		},
		publishBarrier(topic, payload, timeoutMs) {
			return new Promise<boolean>((resolve) => {
				const timer = setTimeout(() => resolve(false), timeoutMs);
				broker.publish({cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false}, (error) => {
					clearTimeout(timer);
					resolve(!error);
				});
			});
		},
		close() {
			closing ??= (async () => {
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				await new Promise<void>((resolve) => broker.close(() => resolve()));
				// aedes ends its clients; a half-open socket must not keep server.close() waiting.
				for (const socket of sockets) closeGently(socket);
				await closed;
			})();
			return closing;
		},
	};
}

/**
 * `socket` as a stream whose every byte has passed {@link MqttPacketGuard}: a packet larger
 * than `maxPacketBytes` closes the connection as soon as its fixed header arrives, so aedes
 * (which buffers whole packets) never holds more than one packet under the limit.
 */
function guarded(socket: Socket, maxPacketBytes: number, log?: Logger): Duplex {
	const guard = new MqttPacketGuard(maxPacketBytes);
	const stream = new Duplex({
		read: () => socket.resume(),
		write: (chunk: Buffer, _encoding, callback) => socket.write(chunk, callback),
		final: (callback) => socket.end(callback),
		destroy: (error, callback) => {
			closeGently(socket);
			callback(error);
		},
	});
	socket.on('data', (chunk: Buffer) => {
		if (stream.destroyed) return;
		const refusal = guard.push(chunk);
		if (refusal) {
			log?.warn({peer: `${socket.remoteAddress}:${socket.remotePort}`}, `hub: MQTT connection closed: ${refusal}`);
			socket.destroy();
			return;
		}
		if (!stream.push(chunk)) socket.pause();
	});
	socket.on('end', () => stream.push(null));
	socket.on('close', () => stream.destroy());
	socket.on('error', () => stream.destroy());
	return stream;
}

/** Time a closing connection gets to flush what was written to it and to see the peer's FIN, in ms. */
const CLOSE_GRACE_MS = 1_000;

/**
 * End `socket` (FIN once what was written has been sent), go on reading, destroy it after
 * {@link CLOSE_GRACE_MS}. Destroying at once, with the client's PUBACKs unread, makes the
 * kernel send RST, and the client can lose the receipts still in its receive buffer.
 */
function closeGently(socket: Socket): void {
	if (socket.destroyed) return;
	socket.end();
	socket.resume();
	setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

function listen(server: Server, host: string, port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen({host, port, exclusive: true}, () => {
			server.removeListener('error', reject);
			resolve();
		});
	});
}
