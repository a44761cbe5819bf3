// The sign-up channel on the broker (issue 9): the ingester's side that answers requests, and the
// would-be user's side that sends one and waits for the reply (protocol/signup.ts,
// docs/protocol.md "Sign-up"). live/ may import mqtt (via connect.ts), protocol/ and log.
import {randomBytes} from 'node:crypto';
import type {Logger} from '../log.js';
import {
	decodeSignupReply,
	decodeSignupRequest,
	encodeSignupReply,
	encodeSignupRequest,
	REPLY_ID_PATTERN,
	signupReplyTopic,
	signupRequestTopic,
	type SignupReply,
	type SignupRequest,
} from '../protocol/index.js';
import {connectBroker, redact, type BrokerConnection} from './connect.js';

/** Sign-up requests waiting to be handled before new ones are dropped unanswered. */
const MAX_WAITING = 100;

/** Options for {@link serveSignups}. */
export interface SignupServerOptions {
	/** The ingester's broker URL (its role may read and write under `{base}`). */
	mqttUrl: string;
	topicBase: string;
	/** The ingesters' shared-subscription group: with several ingesters, one answers each request. */
	sharedGroup: string;
	clientId: string;
	/** Decide on one valid request; resolves with the reply (never throws: a failure is a refusal line). */
	handle: (request: SignupRequest) => Promise<SignupReply>;
	logger: Logger;
}

/** A running sign-up responder. */
export interface SignupServer {
	/** Stop taking requests, finish the one being handled, disconnect. Never throws. */
	close(): Promise<void>;
}

/**
 * Subscribe at QoS 1 to `{base}/signup/request` (as `$share/{group}/…` when the broker offers
 * shared subscriptions) and answer each request, one at a time, on `{base}/signup/reply/{reply_id}`
 * (QoS 1) — the topic made from the payload's reply id, never a Response Topic property the
 * requester chose. An invalid request is logged (one `warn` line) and, when it carries a usable
 * reply id, refused with the reason. At most 100 valid requests wait; more are dropped unanswered.
 * @throws Error (one line) when the broker is unreachable or refuses the subscription.
 */
export async function serveSignups(options: SignupServerOptions): Promise<SignupServer> {
	const {logger, topicBase} = options;
	const connection = await connectBroker({url: options.mqttUrl, clientId: options.clientId});
	const {client} = connection;
	const topic = signupRequestTopic(topicBase);
	const filter = connection.sharedSubscriptionAvailable ? `$share/${options.sharedGroup}/${topic}` : topic;
	let queue: Promise<void> = Promise.resolve();
	let waiting = 0;
	let dropped = 0;
	let isClosed = false;
	const reply = async (replyId: string, answer: SignupReply) => {
		await client.publishAsync(signupReplyTopic(topicBase, replyId), encodeSignupReply(answer), {qos: 1});
	};
	client.on('message', (received, bytes) => {
		if (received !== topic || isClosed) return;
		const decoded = decodeSignupRequest(bytes);
		if (!decoded.ok) {
			logger.warn({topic, reason: decoded.error}, 'dropped invalid sign-up request');
			const replyId = replyIdOf(bytes);
			if (replyId) queue = queue.then(() => reply(replyId, {v: 1, ok: false, error: `invalid sign-up request (${decoded.error})`}).catch(() => {}));
			return;
		}
		const {request} = decoded;
		// A flood is not queued without bound: past MAX_WAITING, requests go unanswered (their clients time out).
		if (waiting >= MAX_WAITING) {
			if (dropped++ % 100 === 0) logger.warn({maxWaiting: MAX_WAITING, dropped}, 'sign-up requests arrive faster than they are handled; dropping');
			return;
		}
		waiting++;
		queue = queue.then(async () => {
			try {
				await reply(request.reply_id, await options.handle(request));
			} catch (error) {
				logger.warn({err: (error as Error).message}, 'could not answer a sign-up request');
			} finally {
				waiting--;
			}
		});
	});
	try {
		const [grant] = await client.subscribeAsync(filter, {qos: 1});
		if (!grant || grant.qos > 2) throw new Error(`SUBACK ${grant?.qos}`);
	} catch (error) {
		client.end(true);
		throw new Error(`MQTT broker ${redact(options.mqttUrl)} refused the sign-up subscription ${filter} (${(error as Error).message})`);
	}
	logger.info({filter}, 'answering sign-up requests');
	return {
		async close() {
			isClosed = true;
			await client.unsubscribeAsync(filter).catch(() => {});
			await queue;
			await client.endAsync(false).catch(() => client.end(true));
		},
	};
}

/** A reply id in an otherwise invalid request, if there is a usable one. */
function replyIdOf(bytes: Buffer): string | undefined {
	try {
		const value = (JSON.parse(bytes.toString('utf8')) as {reply_id?: unknown} | null)?.reply_id;
		return typeof value === 'string' && REPLY_ID_PATTERN.test(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

/** Options for {@link requestSignup}. */
export interface SignupRequestOptions {
	/** The broker as the `signup` client: `mqtt://signup:<password>@host:port`. */
	mqttUrl: string;
	topicBase: string;
	userId: string;
	password: string;
	/** How long to wait for the reply, ms (default 10000). */
	timeoutMs?: number;
}

/**
 * Ask for an account: connect as `signup`, subscribe to this request's reply topic, publish the
 * request (MQTT 5 Response Topic and Correlation Data set as well, MQTT 5.0 §4.10), wait for the
 * reply, disconnect.
 * @returns the ingester's reply.
 * @throws Error (one line) when the broker is unreachable or refuses the `signup` client, or no reply comes within
 *   `timeoutMs` (no ingester allows sign-up).
 */
export async function requestSignup(options: SignupRequestOptions): Promise<SignupReply> {
	const timeoutMs = options.timeoutMs ?? 10_000;
	const replyId = randomBytes(16).toString('hex');
	const replyTopic = signupReplyTopic(options.topicBase, replyId);
	let connection: BrokerConnection;
	try {
		connection = await connectBroker({url: options.mqttUrl, clientId: `hermes-signup-${replyId.slice(0, 8)}`, reconnectPeriodMs: 0});
	} catch (error) {
		const code = (error as {code?: unknown}).code;
		// CONNACK 0x86/0x87 (MQTT 5), 4/5 (3.1.1): the `signup` client or its password is not there.
		if (code === 0x86 || code === 0x87 || code === 4 || code === 5) {
			throw new Error('the broker refused the sign-up client: HERMES_SIGNUP_PASSWORD is wrong, or sign-up is not set up on this server');
		}
		throw error;
	}
	const {client} = connection;
	client.on('error', () => {}); // shows as the timeout
	let timer: NodeJS.Timeout | undefined;
	try {
		const answer = new Promise<SignupReply>((resolve) => {
			client.on('message', (topic, bytes) => {
				const reply = topic === replyTopic ? decodeSignupReply(bytes) : undefined;
				if (reply) resolve(reply);
			});
		});
		const [grant] = await client.subscribeAsync(replyTopic, {qos: 1});
		if (!grant || grant.qos > 2) throw new Error('the broker refused the sign-up reply topic (is the signup password right and `account setup-broker` run with it?)');
		const request: SignupRequest = {v: 1, reply_id: replyId, user_id: options.userId, password: options.password};
		const properties = connection.protocolVersion === 5 ? {responseTopic: replyTopic, correlationData: Buffer.from(replyId)} : undefined;
		await client.publishAsync(signupRequestTopic(options.topicBase), encodeSignupRequest(request), {qos: 1, properties});
		const timeout = new Promise<never>((_resolve, reject) => {
			timer = setTimeout(() => reject(new Error(`no answer to the sign-up request within ${timeoutMs} ms: sign-up is not allowed on this server (ask the operator)`)), timeoutMs);
		});
		return await Promise.race([answer, timeout]);
	} finally {
		clearTimeout(timer);
		await client.endAsync(true).catch(() => {});
	}
}
