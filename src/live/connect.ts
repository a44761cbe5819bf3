// Connects an mqtt.js client the way every hermes-chat process needs it.
// live/ is the only importer of `mqtt`; this file may import mqtt, node:net and, before mqtt,
// quiet-mqtt-packet.js (which must run before mqtt-packet loads).
import './quiet-mqtt-packet.js';
import type {Socket} from 'node:net';
import mqtt, {type IClientOptions, type MqttClient} from 'mqtt';
import {parseBrokerList, type BrokerAddress, type BrokerList} from './broker-urls.js';
import {RoundRobinPacketIds} from './packet-ids.js';

/** Options for {@link connectBroker}. */
export interface BrokerOptions {
	/**
	 * `mqtt://[user:password@]host:port` (credentials in the URL are used), or several such URLs
	 * separated by commas: brokers of one cluster, tried in turn (see {@link connectBroker}).
	 */
	url: string;
	clientId: string;
	/** Last Will: sent by the broker when this client vanishes (MQTT 5.0 §3.1.2.5). */
	will?: {
		topic: string;
		payload: Buffer;
		qos: 0 | 1;
		retain: boolean;
		/** Will Delay Interval in seconds (MQTT 5 only; ignored on 3.1.1 brokers). */
		delaySeconds?: number;
	};
	/** Clean start (default true). */
	clean?: boolean;
	/** MQTT 5 Session Expiry Interval in seconds (default 0: session ends with the connection). */
	sessionExpirySeconds?: number;
	/** Delay between reconnect attempts in ms (default 1000). */
	reconnectPeriodMs?: number;
	/**
	 * After the first connection, keep reconnecting when the broker refuses a CONNECT (default
	 * false: mqtt.js then stops for good, its `reconnectOnConnackError` default). A chat sets it, so
	 * an account disabled for a while, or a broker refusing while it starts, does not end it.
	 */
	isRefusedReconnectRetried?: boolean;
	/** How long to wait for CONNACK in ms (default 5000). */
	connectTimeoutMs?: number;
	/** Protocol to try first (default 5). */
	protocolVersion?: 4 | 5;
}

/** A connected client and what the broker granted. */
export interface BrokerConnection {
	client: MqttClient;
	/** 5 when the broker speaks MQTT 5; 4 (3.1.1) for brokers such as aedes that do not. */
	protocolVersion: 4 | 5;
	/** Whether `$share/…` subscriptions may be used (MQTT 5 CONNACK property, §3.2.2.3.15). */
	sharedSubscriptionAvailable: boolean;
}

const UNSUPPORTED_PROTOCOL = /unacceptable protocol version|unsupported protocol version/i;

/**
 * Connect to the broker with MQTT 5, falling back to 3.1.1 when the broker refuses the
 * protocol version, and turn on TCP_NODELAY on every (re)connected socket, so a small
 * PUBLISH never waits on Nagle + delayed ACK (reported as ~44 ms vs ~0.3 ms per QoS 1 round
 * trip; `npm run bench` measures both ways — with mqtt.js 5.16 on loopback here it shows
 * no difference, and it is kept as a guard for other stacks and real networks).
 * The returned client reconnects by itself after the first successful connect.
 *
 * Several brokers (`url` a comma-separated list, {@link parseBrokerList}): the first connection
 * tries them in order until one answers; the client then gets the list as mqtt.js `servers`,
 * starting with the broker that answered. mqtt.js (5.x, lib/connect/index.ts) builds every
 * (re)connection's stream on the next entry of `servers`, round robin, so a lost connection is
 * retried on the next broker after `reconnectPeriodMs`, and so on around the list. Every broker
 * gets the same client id, credentials, Will and options. {@link connectedBroker} names the
 * broker of the current connection.
 * @throws Error with a one-line message when the list is malformed (`code` `'BAD_URL'`), or when
 *   the first connection fails on every broker (refused, unreachable, bad credentials, or no
 *   CONNACK within the timeout); a refusal by a broker keeps mqtt.js's `code` (CONNACK return
 *   code or MQTT 5 reason code), and a refused login is not tried on the other brokers (they
 *   share the credentials).
 */
export async function connectBroker(options: BrokerOptions): Promise<BrokerConnection> {
	let list: BrokerList;
	try {
		list = parseBrokerList(options.url);
	} catch (error) {
		throw Object.assign(error as Error, {code: 'BAD_URL'});
	}
	if (list.brokers.length === 1) return connectWithFallback(options, undefined);
	const failures: Array<Error & {code?: unknown}> = [];
	for (let first = 0; first < list.brokers.length; first++) {
		const order = [...list.brokers.slice(first), ...list.brokers.slice(0, first)];
		try {
			return await connectWithFallback(options, {...list, brokers: order});
		} catch (error) {
			const failure = error as Error & {code?: unknown};
			if (isLoginRefusal(failure.code)) throw failure;
			failures.push(failure);
		}
	}
	const reasons = failures.map((f) => f.message.replace(/^MQTT broker /, '')).join('; ');
	throw Object.assign(new Error(`MQTT brokers (none of ${list.brokers.length} answered): ${reasons}`), {code: failures[0]?.code});
}

/** CONNACK codes that mean "these credentials are refused" (3.1.1: 4, 5; MQTT 5: 0x86, 0x87): mqtt.js puts them in an error's `code`. */
export function isLoginRefusal(code: unknown): boolean {
	return code === 4 || code === 5 || code === 0x86 || code === 0x87;
}

/** DEBUG values under which mqtt.js keeps its own `debug` logger (`mqttjs*`, `*`). */
const MQTT_DEBUG = /mqttjs|\*/;
const noLog = (): void => undefined;

async function connectWithFallback(options: BrokerOptions, list: BrokerList | undefined): Promise<BrokerConnection> {
	const first = options.protocolVersion ?? 5;
	try {
		return await attempt(options, first, list);
	} catch (error) {
		if (first === 5 && UNSUPPORTED_PROTOCOL.test((error as Error).message)) {
			return attempt(options, 4, list);
		}
		throw error;
	}
}

/**
 * `protocol://host:port` of the broker `client` is connected to (or last tried), without
 * credentials: with a broker list, mqtt.js writes each server it tries into `client.options`.
 */
export function connectedBroker(client: MqttClient): string {
	const {protocol, host, hostname, port} = client.options as IClientOptions & {hostname?: string};
	const name = hostname ?? host ?? 'localhost';
	return `${protocol ?? 'mqtt'}://${name.includes(':') ? `[${name}]` : name}${port ? `:${port}` : ''}`;
}

/**
 * One client on `options.url` (list undefined) or on `list` as mqtt.js `servers`, its first
 * broker first; resolves on the first CONNACK, rejects on the first failure.
 */
function attempt(options: BrokerOptions, protocolVersion: 4 | 5, list: BrokerList | undefined): Promise<BrokerConnection> {
	const clientOptions: IClientOptions = {
		clientId: options.clientId,
		protocolVersion,
		clean: options.clean ?? true,
		reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
		reconnectOnConnackError: options.isRefusedReconnectRetried ?? false,
		connectTimeout: options.connectTimeoutMs ?? 5_000,
		keepalive: 30,
		// A packet identifier is never reused while its PUBLISH is unacknowledged (MQTT 5.0 §2.2.1;
		// mqtt.js's default counts round without looking: packet-ids.ts).
		messageIdProvider: new RoundRobinPacketIds(),
		// mqtt.js logs each packet through `debug`, which asks whether it is enabled on every call
		// (about 2.5 % of the ingester's busy time, issue 12): a no-op unless DEBUG asks for it.
		...(MQTT_DEBUG.test(process.env.DEBUG ?? '') ? {} : {log: noLog}),
	};
	if (protocolVersion === 5) {
		clientOptions.properties = {sessionExpiryInterval: options.sessionExpirySeconds ?? 0};
	}
	if (options.will) {
		const {delaySeconds, ...will} = options.will;
		clientOptions.will = {...will};
		if (protocolVersion === 5 && delaySeconds) {
			clientOptions.will.properties = {willDelayInterval: delaySeconds};
		}
	}
	const client = list ? connectToList(list, clientOptions) : mqtt.connect(withoutCredentials(options.url, clientOptions), clientOptions);
	const where = list ? list.brokers[0]!.label : redact(options.url);
	const setNoDelay = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
	client.on('connect', setNoDelay);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => fail(new Error(`no answer from MQTT broker at ${where}`)), 
			(options.connectTimeoutMs ?? 5_000) + 500);
		const fail = (error: Error) => {
			clearTimeout(timer);
			client.removeListener('connect', onConnect);
			client.removeListener('error', fail);
			client.removeListener('offline', onOffline);
			client.end(true);
			// The CONNACK code (mqtt.js `code`: 4/5 on 3.1.1, reason codes such as 0x86/0x87 on MQTT 5) tells a refused login.
			reject(Object.assign(new Error(`MQTT broker ${where}: ${error.message}`), {code: (error as {code?: unknown}).code}));
		};
		const onConnect = (connack: {properties?: {sharedSubscriptionAvailable?: boolean}}) => {
			clearTimeout(timer);
			client.removeListener('error', fail);
			// Left in place, the first 'offline' after a successful connect would end the client
			// for good instead of letting mqtt.js reconnect.
			client.removeListener('offline', onOffline);
			setNoDelay();
			resolve({
				client,
				protocolVersion,
				sharedSubscriptionAvailable:
					protocolVersion === 5 && connack.properties?.sharedSubscriptionAvailable !== false,
			});
		};
		client.once('connect', onConnect);
		client.once('error', fail);
		// mqtt.js retries silently on ECONNREFUSED; surface the first failure instead.
		const onOffline = () => fail(new Error('connection refused or unreachable'));
		client.once('offline', onOffline);
	});
}

/** An mqtt.js client on `list.brokers` as `servers` (first one first), with the list's credentials. */
function connectToList(list: BrokerList, clientOptions: IClientOptions): MqttClient {
	const [first] = list.brokers as [BrokerAddress, ...BrokerAddress[]];
	if (list.username !== undefined) clientOptions.username = list.username;
	if (list.password !== undefined) clientOptions.password = list.password;
	clientOptions.servers = list.brokers.map(({protocol, host, port}) => ({protocol, host: unbracketed(host), port}));
	const url = `${first.protocol}://${first.host}:${first.port}${list.path ?? ''}`;
	const client = mqtt.connect(url, clientOptions);
	// mqtt.js's TLS stream sets `servername` (SNI, and the name the certificate is checked
	// against) from the first host only and keeps it; cleared before each reconnection, it is
	// taken from the broker being tried.
	if (list.brokers.some((broker) => broker.protocol === 'mqtts')) {
		client.on('reconnect', () => delete (client.options as {servername?: string}).servername);
	}
	return client;
}

/** WHATWG URL keeps an IPv6 host in brackets; a socket wants it bare. */
function unbracketed(host: string): string {
	return host.replace(/^\[(.*)\]$/, '$1');
}

/**
 * `url` without user name and password, which go to `clientOptions` decoded: mqtt.js splits the
 * URL's user info at its last `:`, so a password containing `:` would end up in the user name.
 */
function withoutCredentials(url: string, clientOptions: IClientOptions): string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return url;
	}
	if (!parsed.username && !parsed.password) return url;
	clientOptions.username = decodeURIComponent(parsed.username);
	if (parsed.password) clientOptions.password = decodeURIComponent(parsed.password);
	parsed.username = '';
	parsed.password = '';
	return parsed.toString();
}

/** `url` without its password, for messages and logs. */
export function redact(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString().replace(/\/$/, '');
	} catch {
		return url;
	}
}
