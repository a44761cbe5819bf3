// The ingester's MQTT side: connect, subscribe to all chat traffic, decode, hand items on.
// Imports live/ (the only mqtt importer), protocol/ and ingest types; never pg.
import {randomUUID} from 'node:crypto';
import type {Duplex} from 'node:stream';
import {connectBroker, connectedBroker, type BrokerConnection} from '../live/connect.js';
import type {Logger} from '../log.js';
import {
	BROADCAST_ID,
	MAX_PAYLOAD_BYTES,
	SERVER_ID,
	SIGNUP_LEVEL,
	isValidUserId,
	conversationIdFor,
	conversationKindOf,
	decodePayload,
	decodeV2,
	encodePayload,
	ingestSubscriptionV2,
	parseTopic,
	rejectionTarget,
	topicFor,
} from '../protocol/index.js';
import {oneLineReason} from './confirmer.js';
import {coalesceCorkedWrites, corkPerTurn} from './cork-per-turn.js';
import type {IngestItem, IngestStats} from './types.js';
import type {PublishQos1} from './confirmer.js';

// One decoder for every payload (issue 12: a new one per publish was garbage on the ingester's
// hot path); decode() without `stream` keeps no state between calls. fatal: invalid UTF-8 throws.
const STRICT_UTF8 = new TextDecoder('utf-8', {fatal: true});

/** Options for {@link subscribeToChat}. */
export interface SubscriptionOptions {
	/** One broker URL or a comma-separated list (live/connect.ts connectBroker). */
	mqttUrl: string;
	topicBase: string;
	sharedGroup: string;
	clientId?: string;
	logger: Logger;
	stats: IngestStats;
	/** Receives every item worth storing, in arrival order. */
	onItem(item: IngestItem): void;
}

/** A live subscription. */
export interface ChatSubscription {
	/** Whether `$share/{group}/…` was used. */
	isShared: boolean;
	/** Publish at QoS 1 (or 0 for typing) on this connection (receipts, fan-out). */
	publish: PublishQos1;
	/** Whether the broker connection is up right now. */
	isConnected(): boolean;
	/**
	 * Stop taking new publishes and wait until the broker has handed over every publish it had
	 * already routed to this client. UNSUBSCRIBE alone gives no such point: publishes the broker
	 * had already assigned to this session (in flight, or queued beyond its in-flight window)
	 * may still arrive after it (6 of 20,000 in test/integration/ingest-drain.test.ts by hand),
	 * and the session's queue is dropped at DISCONNECT. So, after UNSUBACK, a barrier publish
	 * goes to a topic only this client subscribes to; the broker queues it behind the rest, and
	 * when it comes back nothing is left. Resolves after `timeoutMs` at the latest (broker
	 * gone); never throws.
	 * @returns whether the barrier came back (false: timed out or not connected).
	 */
	drain(timeoutMs: number): Promise<boolean>;
	/**
	 * Close the connection, waiting at most `timeoutMs` (default 2,000 ms) for a clean DISCONNECT
	 * (sent once every publish has its PUBACK); after that the socket is destroyed.
	 */
	close(timeoutMs?: number): Promise<void>;
}

/**
 * Connect (connectBroker: MQTT 5, 3.1.1 fallback, TCP_NODELAY) with a clean start and
 * subscribe at QoS 1 to `ingestSubscriptionV2(base, group)` (every two-level topic, not the
 * three-level inboxes the server writes) — a shared subscription only when the broker reports
 * `sharedSubscriptionAvailable` (Mosquitto 2: yes; aedes: no, so run one ingester per aedes
 * broker). Routing by topic: `{base}/server/{from}` is protocol 2 (decodeV2(from)); any other
 * `{base}/{to}/{from}` is protocol 1 (decodePayload). An invalid publish is logged as one `warn`
 * line (topic and reason) and dropped (a message or room action gets a `rejected` receipt when
 * its sender and id are readable); v1 `typing` and anything from `server` (our own receipts) are
 * ignored; messages, room actions, v2 typing, `delivered`/`read` and `presence` become items. mqtt.js PUBACKs each publish as it arrives: the sender's re-publish until
 * its ✓, not the PUBACK, is what protects a message against an ingester crash.
 * @throws Error with a one-line message when the broker is unreachable or refuses the subscription.
 */
export async function subscribeToChat(options: SubscriptionOptions): Promise<ChatSubscription> {
	const {logger, stats, topicBase} = options;
	const connection: BrokerConnection = await connectBroker({
		url: options.mqttUrl,
		clientId: options.clientId ?? `hermes-ingest-${randomUUID().slice(0, 8)}`,
		clean: true,
		// A refused reconnect (the account's password rotated before the new one reached us, a
		// broker refusing while its security plugin loads) is retried, with a warn line each time;
		// mqtt.js alone would stop for good and leave the ingester down until restarted by hand.
		isRefusedReconnectRetried: true,
	});
	const {client} = connection;
	const isShared = connection.sharedSubscriptionAvailable;
	const filter = ingestSubscriptionV2(topicBase, isShared ? options.sharedGroup : undefined);
	client.on('error', (error) => logger.warn({err: error.message}, 'broker error'));
	// With several brokers (a comma-separated mqttUrl) mqtt.js reconnects to the next one in turn
	// and subscribes again there (`resubscribe`, clean start): the log names which one.
	let broker = connectedBroker(client);
	client.on('offline', () => logger.warn({broker}, 'broker connection lost; reconnecting'));
	client.on('connect', () => {
		broker = connectedBroker(client);
		logger.info({broker}, 'broker connected');
	});
	// One write per turn of the event loop: a read's PUBACKs, a batch's fan-out (cork-per-turn.ts);
	// mqtt.js makes a new socket on each reconnect, before its CONNACK arrives.
	const corked = new WeakSet<object>();
	const corkStream = () => {
		const stream = client.stream as Duplex | undefined;
		if (!stream || corked.has(stream) || typeof stream.cork !== 'function') return;
		corked.add(stream);
		corkPerTurn(stream);
		coalesceCorkedWrites(stream);
	};
	corkStream();
	client.on('connect', corkStream);
	const barrier = drainBarrier(topicBase, client.options.clientId ?? 'hermes-ingest');
	client.on('message', (topic, bytes) => {
		if (topic === barrier.topic && barrier.isMine(bytes)) return;
		stats.received++;
		try {
			const item = toItem(topicBase, topic, bytes, logger, stats);
			if (item) options.onItem(item);
		} catch (error) {
			// Never let one publish take the ingester down.
			stats.invalid++;
			logger.warn({topic, err: (error as Error).message}, 'dropped publish');
		}
	});
	try {
		// No Local (MQTT 5.0 §3.8.3.1): the broker does not send this client its own publishes, so
		// its v1 receipts do not come back. Not allowed on a shared subscription (Mosquitto ignores
		// it there), where they arrive and are dropped by topic in toItem.
		const granted = await client.subscribeAsync(filter, {qos: 1, ...(connection.protocolVersion === 5 && !isShared ? {nl: true} : {})});
		const refused = granted.find((grant) => grant.qos > 2);
		if (refused) throw new Error(`broker refused subscription ${filter} (reason ${refused.qos})`);
	} catch (error) {
		client.end(true);
		throw error;
	}
	logger.info({filter, isShared, protocolVersion: connection.protocolVersion, broker}, 'subscribed');
	return {
		isShared,
		publish: (topic, payload, qos = 1, done) => {
			try {
				client.publish(topic, payload, {qos}, (error) => done(error));
			} catch (error) {
				done(error as Error);
			}
		},
		isConnected: () => client.connected,
		async drain(timeoutMs) {
			if (!client.connected) return false;
			let timer: NodeJS.Timeout | undefined;
			const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
			const barrierBack = (async () => {
				await client.unsubscribeAsync(filter);
				await client.subscribeAsync(barrier.topic, {qos: 1});
				const back = barrier.wait();
				await client.publishAsync(barrier.topic, barrier.payload, {qos: 1});
				await back;
				return true;
			})().catch((error: Error) => (logger.warn({err: error.message}, 'drain: broker did not answer'), false));
			const isDrained = await Promise.race([barrierBack, timeout]);
			clearTimeout(timer);
			return isDrained;
		},
		async close(timeoutMs = 2_000) {
			let timer: NodeJS.Timeout | undefined;
			const force = () => {
				// mqtt.js 5: end(false) waits for every PUBACK with no deadline, and end(true) returns
				// at once while that wait is on; the connection then stayed open and `hermes-chat
				// ingest` never exited after its drain (issue 11, frozen-ingester scenario). Destroying
				// the socket ends it: no reconnect follows, the client is already disconnecting.
				client.end(true);
				client.stream?.destroy();
			};
			await Promise.race([
				client.endAsync(false),
				new Promise<void>((resolve) => (timer = setTimeout(() => (force(), resolve()), timeoutMs))),
			]);
			clearTimeout(timer);
		},
	};
}

/**
 * The drain barrier: a `received_by_server` receipt on `{base}/{id}/server/drain`, where `id` is
 * this client's id made a valid user id. Three levels below `{base}`, so no ingester's two-level
 * subscription matches it and the broker's deny of `{base}/+/server` to ingesters (dynsec-roles.ts)
 * does not drop it; no chat user subscribes there unless one is named like the ingester's MQTT
 * client id.
 */
function drainBarrier(topicBase: string, clientId: string) {
	const userId = clientId.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
	const messageId = `drain-${randomUUID()}`;
	const topic = `${topicFor(topicBase, userId, SERVER_ID)}/drain`;
	const payload = encodePayload({type: 'status', status: 'received_by_server', user_id: userId, message_id: messageId, timestamp: new Date().toISOString()});
	let onBack: (() => void) | undefined;
	return {
		topic,
		payload,
		isMine(bytes: Buffer): boolean {
			if (!bytes.equals(payload)) return false;
			onBack?.();
			return true;
		},
		wait: () => new Promise<void>((resolve) => (onBack = resolve)),
	};
}

function toItem(base: string, topic: string, bytes: Buffer, logger: Logger, stats: IngestStats): IngestItem | undefined {
	const route = parseTopic(base, topic);
	if (route?.to === SERVER_ID) return toItemV2(route.from, topic, bytes, logger, stats);
	if (route?.from === SERVER_ID) {
		// Our own v1 receipts (`{base}/{sender}/server`): the two-level filter matches them and MQTT
		// cannot exclude one level, so they are dropped by topic alone, before any JSON or schema work.
		stats.ignored++;
		return undefined;
	}
	if (route?.to === SIGNUP_LEVEL) {
		// `{base}/signup/request`: the sign-up channel (live/signup-link.ts answers it), not chat traffic.
		stats.ignored++;
		return undefined;
	}
	const decoded = decodePayload(base, topic, bytes);
	if (!decoded.ok) {
		stats.invalid++;
		logger.warn({topic, reason: decoded.error}, 'dropped invalid publish');
		// A message its sender would otherwise re-send forever: tell the sender why (rejected receipt).
		const target = rejectionTarget(base, topic, bytes);
		return target && {kind: 'rejection', row: {...target, reason: oneLineReason(decoded.error)}};
	}
	const {payload, from} = decoded;
	if (from === SERVER_ID || payload.type === 'typing') {
		stats.ignored++;
		return undefined;
	}
	switch (payload.type) {
		case 'message':
			stats.messages++;
			return {
				kind: 'message',
				row: {
					messageId: payload.message_id,
					senderId: payload.sender_id,
					senderName: payload.sender_name,
					receiverId: payload.receiver_id,
					content: payload.content,
					messageType: payload.message_type,
					sentAt: payload.timestamp,
					conversationId: conversationIdFor(payload.sender_id, payload.receiver_id),
					version: 1,
				},
			};
		case 'status':
			if (payload.status === 'received_by_server' || payload.status === 'rejected') return undefined; // only ever from server
			return {
				kind: 'receipt',
				firstSeenAt: Date.now(),
				row: {messageId: payload.message_id, senderId: decoded.to, status: payload.status, userId: payload.user_id, at: payload.timestamp},
			};
		case 'presence':
			return {
				kind: 'presence',
				row: {userId: payload.user_id, name: payload.user_name, state: payload.state, statusMessage: payload.status_message},
			};
	}
}

/** A publish on `{base}/server/{from}` (protocol 2) as an item, or undefined (logged). */
function toItemV2(from: string, topic: string, bytes: Buffer, logger: Logger, stats: IngestStats): IngestItem | undefined {
	const decoded = decodeV2(from, bytes);
	if (!decoded.ok) {
		stats.invalid++;
		logger.warn({topic, reason: decoded.error}, 'dropped invalid publish');
		const target = rejectionTargetV2(from, bytes);
		return target && {kind: 'rejection', row: {...target, reason: oneLineReason(decoded.error)}};
	}
	const {payload} = decoded;
	switch (payload.type) {
		case 'message': {
			stats.messages++;
			const pair = payload.conversation_id.split(':');
			const receiverId = payload.conversation_id === BROADCAST_ID ? BROADCAST_ID
				: conversationKindOf(payload.conversation_id) === 'direct' ? (pair[0] === payload.sender_id ? pair[1]! : pair[0]!)
				: payload.conversation_id;
			return {
				kind: 'message',
				row: {
					messageId: payload.message_id,
					senderId: payload.sender_id,
					senderName: payload.sender_name,
					receiverId,
					content: payload.content,
					messageType: 'text',
					sentAt: payload.timestamp,
					conversationId: payload.conversation_id,
					version: 2,
					...(payload.reply_to ? {replyTo: {senderId: payload.reply_to.sender_id, messageId: payload.reply_to.message_id}} : {}),
				},
			};
		}
		case 'status':
			// decodeV2 refuses received_by_server/rejected from a client.
			if (payload.status === 'received_by_server' || payload.status === 'rejected') return undefined;
			return {
				kind: 'receipt',
				firstSeenAt: Date.now(),
				row: {messageId: payload.message_id, senderId: payload.sender_id, status: payload.status, userId: payload.user_id, at: payload.timestamp, conversationId: payload.conversation_id},
			};
		case 'typing':
			return {
				kind: 'typing',
				row: {conversationId: payload.conversation_id, senderId: payload.sender_id, senderName: payload.sender_name, isTyping: payload.is_typing, at: payload.timestamp},
			};
		case 'edit':
		case 'delete':
		case 'react':
			stats.messageActions++;
			return {
				kind: 'action',
				row: {
					kind: payload.type,
					actionId: payload.message_id,
					actorId: payload.sender_id,
					actorName: payload.sender_name,
					conversationId: payload.conversation_id,
					targetSenderId: payload.target.sender_id,
					targetMessageId: payload.target.message_id,
					sentAt: payload.timestamp,
					...(payload.type === 'edit' ? {content: payload.content, version: payload.version} : {}),
					...(payload.type === 'react' ? {emoji: payload.emoji, isOn: payload.is_on} : {}),
				},
			};
		case 'room':
			stats.roomActions++;
			return {
				kind: 'room',
				row: {
					messageId: payload.message_id,
					conversationId: payload.conversation_id,
					senderId: payload.sender_id,
					senderName: payload.sender_name,
					action: payload.action,
					userIds: payload.user_ids ?? [],
					title: payload.title,
					topic: payload.topic,
					sentAt: payload.timestamp,
				},
			};
	}
}

/**
 * Who to tell that a v2 `message`, `room`, `edit`, `delete` or `react` publish was refused: its publisher and
 * `message_id`, with its `conversation_id` (the v2 `rejected` receipt needs one), when all are
 * readable; undefined otherwise (logged only: such a publish never comes from our client).
 */
function rejectionTargetV2(from: string, bytes: Buffer): {senderId: string; messageId: string; conversationId: string} | undefined {
	if (!isValidUserId(from) || bytes.byteLength > MAX_PAYLOAD_BYTES) return undefined;
	let json: unknown;
	try {
		json = JSON.parse(STRICT_UTF8.decode(bytes));
	} catch {
		return undefined;
	}
	if (typeof json !== 'object' || json === null) return undefined;
	const {type, message_id: messageId, conversation_id: conversationId} = json as Record<string, unknown>;
	if (type !== 'message' && type !== 'room' && type !== 'edit' && type !== 'delete' && type !== 'react') return undefined;
	if (typeof messageId !== 'string' || !/^[A-Za-z0-9._:-]{1,255}$/.test(messageId)) return undefined;
	if (typeof conversationId !== 'string' || conversationKindOf(conversationId) === undefined) return undefined;
	return {senderId: from, messageId, conversationId};
}
