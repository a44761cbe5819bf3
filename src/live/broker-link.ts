// One chat process's MQTT connection: keeps trying until the broker answers, re-subscribes
// after every reconnect, reports state changes. May import mqtt (through connect.ts) and log.
import type {MqttClient} from 'mqtt';
import type {Logger} from '../log.js';
import {redactBrokerList} from './broker-urls.js';
import {connectBroker, connectedBroker, isLoginRefusal, type BrokerOptions} from './connect.js';

/** Connection state of the broker link, as shown in the status bar. */
export type LinkState = 'connecting' | 'up' | 'down';

/** Thrown (as a rejection) by {@link BrokerLink.publish} when nothing could be queued. */
export class NotConnectedError extends Error {
	constructor() {
		super('not connected to the MQTT broker');
		this.name = 'NotConnectedError';
	}
}

/** Options for {@link BrokerLink}. */
export interface BrokerLinkOptions extends Pick<BrokerOptions, 'url' | 'clientId' | 'will' | 'sessionExpirySeconds'> {
	/** Topic filters subscribed at QoS 1 after every connect. */
	subscriptions: string[];
	logger: Logger;
	/** First delay between attempts while the broker has never answered, in ms (default 500; doubles to 5000). */
	retryInitialMs?: number;
	/** Delay between mqtt.js reconnect attempts after the first connect, in ms (default 1000). */
	reconnectPeriodMs?: number;
	/** Called on every state change, with a one-line detail. */
	onStateChanged: (state: LinkState, detail: string) => void;
	/** Called after every (re)connect once the broker acknowledged the subscriptions. */
	onReady: () => void;
	/** Called for every publish received (raw; decode it). */
	onPublish: (topic: string, payload: Buffer) => void;
}

/** How to publish, for {@link BrokerLink.publish}. */
export interface PublishOptions {
	qos: 0 | 1;
	retain?: boolean;
	/**
	 * QoS 1 only: while disconnected, hand the publish to mqtt.js's queue (sent on reconnect)
	 * instead of rejecting. QoS 0 publishes are never queued: a stale typing hint is worse than none.
	 */
	queueOffline?: boolean;
}

interface Deferred {
	topic: string;
	bytes: Buffer;
	options: PublishOptions;
	resolve: () => void;
	reject: (error: Error) => void;
}

/** Most publishes kept while the broker has never answered; older ones are dropped first. */
const MAX_DEFERRED = 10_000;

/**
 * The broker side of one chat user. {@link BrokerLink.start} never throws: failures become
 * `down` states and retries (own backoff until the first CONNACK, then mqtt.js's reconnect).
 */
export class BrokerLink {
	readonly #options: BrokerLinkOptions;
	#client: MqttClient | undefined;
	#protocolVersion: 4 | 5 = 5;
	#state: {state: LinkState; detail: string} | undefined;
	#isClosed = false;
	#cancelWait: (() => void) | undefined;
	/** QoS 1 publishes made with `queueOffline` before any connection existed. */
	#deferred: Deferred[] = [];

	constructor(options: BrokerLinkOptions) {
		this.#options = options;
	}

	/** Whether a connection is up right now. */
	get isConnected(): boolean {
		return this.#client?.connected === true;
	}

	/** Start connecting in the background (idempotent). */
	start(): void {
		if (this.#client || this.#state) return;
		void this.#connectLoop();
	}

	/**
	 * Publish `bytes` on `topic`.
	 * @returns a promise resolved on PUBACK (QoS 1) or once written (QoS 0).
	 * @throws (rejects) NotConnectedError when disconnected and the publish may not be queued;
	 *   the mqtt.js error when the client is closing.
	 */
	publish(topic: string, bytes: Buffer, options: PublishOptions): Promise<void> {
		const client = this.#client;
		const mayQueue = options.qos === 1 && options.queueOffline === true && !this.#isClosed;
		if (!client || !client.connected) {
			if (!mayQueue) return Promise.reject(new NotConnectedError());
			if (!client) return this.#defer(topic, bytes, options);
		}
		return new Promise((resolve, reject) => {
			client!.publish(topic, bytes, {qos: options.qos, retain: options.retain ?? false}, (error) =>
				error ? reject(error) : resolve(),
			);
		});
	}

	/** Disconnect cleanly (DISCONNECT, so no Last Will), waiting up to `timeoutMs` for in-flight acks. */
	async close(timeoutMs = 2_000): Promise<void> {
		this.#isClosed = true;
		this.#cancelWait?.();
		for (const d of this.#deferred.splice(0)) d.reject(new NotConnectedError());
		const client = this.#client;
		if (!client) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(() => client.end(true, {}, () => resolve()), timeoutMs);
			client.end(false, {}, () => {
				clearTimeout(timer);
				resolve();
			});
		});
	}

	async #connectLoop(): Promise<void> {
		let delay = this.#options.retryInitialMs ?? 500;
		const brokers = redactBrokerList(this.#options.url);
		this.#setState('connecting', `connecting to MQTT broker${brokers.includes(',') ? 's' : ''} ${brokers}`);
		while (!this.#isClosed) {
			try {
				const connection = await connectBroker({
					url: this.#options.url,
					clientId: this.#options.clientId,
					will: this.#options.will,
					sessionExpirySeconds: this.#options.sessionExpirySeconds,
					reconnectPeriodMs: this.#options.reconnectPeriodMs ?? 1_000,
					// As this loop retries a refused first login, mqtt.js retries a refused reconnect.
					isRefusedReconnectRetried: true,
				});
				if (this.#isClosed) {
					connection.client.end(true);
					return;
				}
				this.#protocolVersion = connection.protocolVersion;
				this.#attach(connection.client);
				return;
			} catch (error) {
				this.#setState('down', `${(error as Error).message} — retrying`);
				await this.#wait(delay);
				delay = Math.min(delay * 2, 5_000);
			}
		}
	}

	#attach(client: MqttClient): void {
		this.#client = client;
		// We subscribe ourselves on every connect, so we know when SUBACK made us ready.
		client.options.resubscribe = false;
		let lastBroker = connectedBroker(client);
		// A reconnect the broker refused for its credentials (an account disabled, or its password
		// changed, since this chat logged in): said as such until a connect succeeds, not as a lost broker.
		let loginRefusal: string | undefined;
		const reconnectPeriod = this.#options.reconnectPeriodMs ?? 1_000;
		client.on('connect', () => {
			loginRefusal = undefined;
			client.options.reconnectPeriod = reconnectPeriod;
			// With several brokers this may be another one than before (fail-over): say which.
			lastBroker = connectedBroker(client);
			this.#options.logger.info({broker: lastBroker}, 'mqtt connected');
			this.#subscribe(client);
		});
		// Also after each failed attempt: the detail names the broker last connected, not the one tried.
		const several = this.#options.url.includes(',');
		client.on('close', () => {
			if (this.#isClosed) return;
			this.#setState('down', loginRefusal ?? `lost the MQTT broker at ${lastBroker} — reconnecting${several ? ' (to each broker in turn)' : ''}`);
		});
		client.on('error', (error) => {
			this.#options.logger.warn({err: error.message}, 'mqtt client error');
			if (this.#isClosed || client.connected) return;
			if (isLoginRefusal((error as {code?: unknown}).code)) {
				loginRefusal = `the MQTT broker refuses this login now (${error.message.replace(/^Connection refused: /, '')}) — account disabled or password changed? Retrying`;
				// Doubling up to 30 s: a refusal may last (a new password needs a restart of the chat),
				// and each attempt costs the broker a password check and the log a line.
				client.options.reconnectPeriod = Math.min((client.options.reconnectPeriod ?? reconnectPeriod) * 2, Math.max(30_000, reconnectPeriod));
			}
			this.#setState('down', loginRefusal ?? `MQTT broker: ${error.message} — reconnecting`);
		});
		client.on('message', (topic, payload) => this.#options.onPublish(topic, payload));
		this.#subscribe(client);
		for (const d of this.#deferred.splice(0)) this.publish(d.topic, d.bytes, d.options).then(d.resolve, d.reject);
	}

	#subscribe(client: MqttClient): void {
		client.subscribe(this.#options.subscriptions, {qos: 1}, (error, granted) => {
			if (this.#isClosed) return;
			if (error) {
				// Usually the connection dropped before SUBACK; the next 'connect' subscribes again.
				this.#options.logger.warn({err: error.message}, 'mqtt subscribe failed');
				return;
			}
			const refused = (granted ?? []).filter((g) => g.qos !== 0 && g.qos !== 1 && g.qos !== 2);
			if (refused.length > 0) {
				const topics = refused.map((g) => g.topic).join(', ');
				this.#setState('down', `MQTT broker refused the subscription to ${topics} — check the broker ACL`);
				return;
			}
			const version = this.#protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
			this.#setState('up', `${version} at ${connectedBroker(client)}`);
			this.#options.onReady();
		});
	}

	#defer(topic: string, bytes: Buffer, options: PublishOptions): Promise<void> {
		return new Promise((resolve, reject) => {
			this.#deferred.push({topic, bytes, options, resolve, reject});
			if (this.#deferred.length > MAX_DEFERRED) this.#deferred.shift()?.reject(new NotConnectedError());
		});
	}

	#wait(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(resolve, ms);
			this.#cancelWait = () => {
				clearTimeout(timer);
				resolve();
			};
		});
	}

	#setState(state: LinkState, detail: string): void {
		if (this.#state?.state === state && this.#state.detail === detail) return;
		this.#state = {state, detail};
		this.#options.onStateChanged(state, detail);
	}
}
