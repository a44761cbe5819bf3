// Connects an mqtt.js client the way every hermes-chat process needs it.
// live/ is the only importer of `mqtt`; this file may import mqtt and node:net only.
import type {Socket} from 'node:net';
import mqtt, {type IClientOptions, type MqttClient} from 'mqtt';

/** Options for {@link connectBroker}. */
export interface BrokerOptions {
	/** `mqtt://[user:password@]host:port` (credentials in the URL are used). */
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
 * @throws Error with a one-line message when the first connection fails
 *   (refused, unreachable, bad credentials, or no CONNACK within the timeout); a refusal by
 *   the broker keeps mqtt.js's `code` (CONNACK return code or MQTT 5 reason code).
 */
export async function connectBroker(options: BrokerOptions): Promise<BrokerConnection> {
	const first = options.protocolVersion ?? 5;
	try {
		return await attempt(options, first);
	} catch (error) {
		if (first === 5 && UNSUPPORTED_PROTOCOL.test((error as Error).message)) {
			return attempt(options, 4);
		}
		throw error;
	}
}

function attempt(options: BrokerOptions, protocolVersion: 4 | 5): Promise<BrokerConnection> {
	const clientOptions: IClientOptions = {
		clientId: options.clientId,
		protocolVersion,
		clean: options.clean ?? true,
		reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
		connectTimeout: options.connectTimeoutMs ?? 5_000,
		keepalive: 30,
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
	const client = mqtt.connect(withoutCredentials(options.url, clientOptions), clientOptions);
	const setNoDelay = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
	client.on('connect', setNoDelay);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => fail(new Error(`no answer from MQTT broker at ${redact(options.url)}`)), 
			(options.connectTimeoutMs ?? 5_000) + 500);
		const fail = (error: Error) => {
			clearTimeout(timer);
			client.removeListener('connect', onConnect);
			client.removeListener('error', fail);
			client.removeListener('offline', onOffline);
			client.end(true);
			// The CONNACK code (mqtt.js `code`: 4/5 on 3.1.1, reason codes such as 0x86/0x87 on MQTT 5) tells a refused login.
			reject(Object.assign(new Error(`MQTT broker ${redact(options.url)}: ${error.message}`), {code: (error as {code?: unknown}).code}));
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
