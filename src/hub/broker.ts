// The embedded MQTT broker: aedes (MQTT 3.1.1, in-memory) on a TCP port bound to one host.
// May import aedes, node: modules, protocol/, hub/ (pure framing, topic rules, the secret check)
// and ingest/cork-per-turn.ts (stream corking).
import {createServer, type Server, type Socket} from 'node:net';
import {Duplex} from 'node:stream';
import {Aedes, type Client} from 'aedes';
import type {Logger} from '../log.js';
import {isValidUserId} from '../protocol/index.js';
import {corkPerTurn} from '../ingest/cork-per-turn.js';
import {isHubSecret} from './hub-secret.js';
import {topicRules, type TopicRules} from './mqtt-acl.js';
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
	/** Who may connect, and where each may publish and subscribe. */
	auth: BrokerAuth;
}

/**
 * The broker's authentication and authorization: CONNECT must carry `secret` as password and
 * `owner` or a valid chat user id as user name; each user name then gets {@link topicRules}
 * under `topicBase` (the rules of production Mosquitto's ACL, docker/mosquitto/acl).
 */
export interface BrokerAuth {
	/** The hub secret (hub-secret.ts); compared in constant time. */
	secret: string;
	/** User name of the hub's own clients (its ingester): every topic under `topicBase`. */
	owner: string;
	/** Base topic the rules apply under (e.g. `chat/messages`). */
	topicBase: string;
}

/** MQTT 3.1.1 CONNACK return code 4 (§3.2.2.3), MQTT 5's reason 0x86: "bad user name or password". */
export const CONNACK_BAD_USERNAME_OR_PASSWORD = 4;
/** MQTT 3.1.1 CONNACK return code 2: "identifier rejected". */
export const CONNACK_IDENTIFIER_REJECTED = 2;
/** Client id of the liveness probe (hub-file.ts): it connects without credentials on purpose. */
const PROBE_CLIENT_ID = 'hermes-probe';

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
 * aedes has no MQTT 5 and no shared subscriptions; clients fall back to 3.1.1. Every CONNECT
 * needs the secret ({@link BrokerAuth}), else CONNACK 4 "bad user name or password" and one log
 * line; a publish outside the user's topics closes that connection (MQTT 3.1.1 has no refusal
 * of a PUBLISH), a refused filter gets SUBACK 0x80 — one log line each.
 * @throws PortInUseError on EADDRINUSE; the listen error otherwise.
 */
export async function listenBroker(options: ListenBrokerOptions): Promise<EmbeddedBroker> {
	let admitAll: () => void = () => undefined;
	const isOpen = options.admitOnlyFirst ? new Promise<void>((resolve) => (admitAll = resolve)) : Promise.resolve();
	let drainingFor: string | undefined;
	const {auth, logger: log} = options;
	/** The rules of each authenticated client (by its user name), set in authenticate. */
	const rulesOf = new WeakMap<Client, TopicRules & {user: string}>();
	const refuseConnect = (client: Client, returnCode: number, reason: string, username: string | undefined) => {
		const level = client.id === PROBE_CLIENT_ID && username === undefined ? 'debug' : 'warn';
		log?.[level]({clientId: client.id, username, peer: peerOf(client)}, `hub: MQTT connection refused: ${reason}`);
		return Object.assign(new Error(reason), {returnCode});
	};
	const broker = await Aedes.createBroker({
		connectTimeout: options.connectTimeoutMs ?? DEFAULT_MQTT_CONNECT_TIMEOUT_MS,
		preConnect: (_client, _packet, callback) => callback(null, drainingFor === undefined),
		authenticate: (client, username, password, done) => {
			const rules = topicRules(username ?? '', auth.topicBase, auth.owner);
			// The secret first, so a wrong one says nothing about which user names exist.
			if (!isHubSecret(password, auth.secret) || username === undefined || (username !== auth.owner && !isValidUserId(username))) {
				return done(refuseConnect(client, CONNACK_BAD_USERNAME_OR_PASSWORD, 'bad user name or password', username), false);
			}
			// A client id in use by another user would take that session over (§3.1.4): the ingester's, say.
			const holder = (broker as unknown as {clients: Record<string, Client | undefined>}).clients[client.id];
			if (holder && holder !== client && rulesOf.get(holder)?.user !== username) {
				return done(refuseConnect(client, CONNACK_IDENTIFIER_REJECTED, 'client id in use by another user', username), false);
			}
			rulesOf.set(client, {...rules, user: username});
			if (options.admitOnlyFirst?.(client.id) !== false) return done(null, true);
			void isOpen.then(() => done(null, true));
		},
		// client is null for the broker's own publishes (the drain barrier).
		authorizePublish: (client, packet, callback) => {
			if (client) {
				const rules = rulesOf.get(client);
				if (!rules?.mayPublish(packet.topic)) {
					log?.warn({clientId: client.id, username: rules?.user, topic: packet.topic}, 'hub: refused a publish (not this user\'s topic)');
					return callback(new Error('not allowed to publish there'));
				}
			}
			callback(drainingFor === undefined || client?.id === drainingFor ? null : new Error('the hub is stopping'));
		},
		authorizeSubscribe: (client, subscription, callback) => {
			const rules = rulesOf.get(client);
			if (rules?.maySubscribe(subscription.topic)) return callback(null, subscription);
			log?.warn({clientId: client.id, username: rules?.user, filter: subscription.topic}, 'hub: refused a subscription (SUBACK 0x80)');
			// null: SUBACK 0x80 for this filter (MQTT 3.1.1 §3.9.3), the connection stays.
			callback(null, null);
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
		// What aedes wrote in one turn of the event loop (corkPerTurn, below) reaches the socket as
		// one buffer: one write(2) instead of one per piece mqtt-packet writes (about seven per
		// publish). Socket writes were 35 % of the hub's main thread under a burst (issue 12).
		writableHighWaterMark: WRITE_HIGH_WATER_MARK_BYTES,
		write: (chunk: Buffer, _encoding, callback) => socket.write(chunk, callback),
		writev: (chunks, callback) => socket.write(chunks.length === 1 ? (chunks[0]!.chunk as Buffer) : Buffer.concat(chunks.map(({chunk}) => chunk as Buffer)), callback),
		final: (callback) => socket.end(callback),
		destroy: (error, callback) => {
			closeGently(socket);
			callback(error);
		},
	});
	Object.assign(stream, {peer: `${socket.remoteAddress}:${socket.remotePort}`});
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
	corkPerTurn(stream);
	return stream;
}

/**
 * What one connection may hold corked before `write` returns false and aedes waits for 'drain',
 * in bytes: a turn's fan-out to the ingester (a few hundred publishes) fits; Node's default
 * (16 KiB) would make aedes wait on every busy turn.
 */
const WRITE_HIGH_WATER_MARK_BYTES = 256 * 1024;


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

/** `address:port` of the client's peer (set by {@link guarded}), for log lines. */
function peerOf(client: Client): string | undefined {
	return (client.conn as unknown as {peer?: string}).peer;
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
