// The MQTT side of one chat user (protocol version 2): connection, outbox, receipts, typing,
// room and presence publishes, decoding and de-duplication of what arrives on my inbox and the
// broadcast inbox. May import mqtt (via broker-link), protocol/ and log.
import {randomBytes} from 'node:crypto';
import type {Logger} from '../log.js';
import {
	PROTOCOL_VERSION,
	SERVER_ID,
	broadcastInboxTopic,
	clientSubscriptionsV2,
	decodePayload,
	decodeV2,
	encodePayload,
	encodeV2,
	inboxTopic,
	presenceTopic,
	serverTopic,
	type MessageActionV2,
	type MessageV2,
	type PresencePayload,
	type PresenceState,
	type RoomV2,
	type StatusV2,
	type TypingV2,
} from '../protocol/index.js';
import {BrokerLink, type LinkState} from './broker-link.js';
import {decodeOutboxEntry, type OutboxPayload} from './outbox-entries.js';
import {Outbox, type OutboxStats} from './outbox.js';
import type {PersistedMessage} from './outbox-file.js';
import {openOutboxStore, type OutboxStore} from './outbox-store.js';
import {MessageDedupe, type DedupeVerdict} from './message-dedupe.js';
import {SeenSet} from './seen-set.js';
import {SeqRanges} from './seq-ranges.js';

/** What the link reports: connection states, my publishes acknowledged, and decoded traffic. */
export type ChatLinkEvent =
	| {type: 'state-changed'; state: LinkState; detail: string}
	/** The broker PUBACKed my message (first time only). */
	| {type: 'message-pubacked'; messageId: string}
	/**
	 * A message (text or system line, with the server's `seq` and `created_at`) delivered to my
	 * inbox or the broadcast inbox; each (sender, message_id) at most once in the run, however
	 * late the redelivery: checked by conversation and seq ({@link SeqRanges}, exact with the
	 * server's `prev_seq`) and by sender and id ({@link MessageDedupe}). One that both have
	 * forgotten (memory is bounded) comes with `isPossibleRepeat` (the caller asks the store
	 * whether it was reported). My own messages come too (copies for my other clients): except
	 * those this link queued itself.
	 */
	| {type: 'message-arrived'; payload: MessageV2; isPossibleRepeat?: boolean}
	/**
	 * A receipt about one of my messages or room actions (`sender_id` = me): the server's ✓, or
	 * a member's delivered/read forwarded by the server; each (sender_id, message_id, status,
	 * user_id) at most once.
	 */
	| {type: 'status-arrived'; payload: StatusV2 & {status: 'received_by_server' | 'delivered' | 'read'}}
	/** The fan-out copy of a message this link sent: stored, with the server's `seq` and `created_at`. */
	| {type: 'own-message-stored'; payload: MessageV2}
	/** The outbox file cannot be written (`problem`, one line), or can again (`problem` undefined). */
	| {type: 'outbox-problem-changed'; problem?: string}
	/** The server will never store my message or room action (it left the outbox); `reason` is one untrusted line. */
	| {type: 'message-rejected'; messageId: string; conversationId: string; reason: string}
	/**
	 * An edit, delete or reaction the server committed in a conversation of mine (`applied_at`
	 * set), mine included; a redelivery may come again (applying one twice changes nothing).
	 */
	| {type: 'message-changed'; payload: MessageActionV2 & {applied_at: string}}
	/** Someone else typing in a conversation of mine (relayed by the server). */
	| {type: 'typing-arrived'; payload: TypingV2}
	| {type: 'presence-arrived'; payload: PresencePayload};

/** Options for {@link ChatLink}. */
export interface ChatLinkOptions {
	/** `mqtt://[user:password@]host:port`, or a comma-separated list of brokers of one cluster (connect.ts: failed over between). */
	url: string;
	/** Topic base, e.g. `chat/messages`. */
	base: string;
	userId: string;
	/** Display name sent in presence and messages. */
	name: string;
	logger: Logger;
	onEvent: (event: ChatLinkEvent) => void;
	/** Outbox first resend delay in ms (default 3000, doubling to `maxResendAfterMs`, default 30,000). */
	resendAfterMs?: number;
	/** Outbox: longest resend delay, in ms (default 30,000). */
	maxResendAfterMs?: number;
	/** Last Will delay in s (MQTT 5 only; default 10). */
	willDelaySeconds?: number;
	/** Delay between reconnect attempts in ms (default 1000). */
	reconnectPeriodMs?: number;
	/**
	 * Folder that keeps unconfirmed messages across runs, e.g. `$HERMES_HOME/outbox/<user>`:
	 * one locked file per running client (see {@link openOutboxStore}), so two clients of one
	 * user never overwrite each other's list; files of clients that are gone are adopted at
	 * start, and so is `<outboxDir>.json` (the single file of earlier versions). Without it
	 * the outbox lives in memory only.
	 */
	outboxDir?: string;
}

/**
 * One chat user's MQTT link, protocol version 2: everything but presence is published to
 * `{base}/server/{me}` — messages and room actions QoS 1 through the {@link Outbox} (kept until
 * `received_by_server` or `rejected`), typing QoS 0, receipts QoS 1 (queued while offline);
 * presence keeps its version 1 form, QoS 1 retained on `{base}/presence/{me}` (published on
 * every connect, Last Will `offline`). Deliveries are read from my inbox and the broadcast inbox.
 */
export class ChatLink {
	readonly #options: ChatLinkOptions;
	readonly #link: BrokerLink;
	readonly #outbox: Outbox;
	readonly #store: OutboxStore | undefined;
	#isClosing = false;
	#restoring: Promise<unknown> = Promise.resolve();
	readonly #seenMessages = new MessageDedupe();
	/** Reported seqs per conversation; the authority for deliveries with `seq` (see {@link #classify}). */
	readonly #seenSeqs = new SeqRanges();
	readonly #seenReceipts = new SeenSet();
	/** Ids of payloads this link queued: their fan-out copy on my inbox is not news to me. */
	readonly #queuedHere = new SeenSet();
	#presence: {state: PresenceState; statusMessage: string} = {state: 'online', statusMessage: ''};

	constructor(options: ChatLinkOptions) {
		this.#options = options;
		const {base, userId} = options;
		const willDelaySeconds = options.willDelaySeconds ?? 10;
		this.#link = new BrokerLink({
			url: options.url,
			clientId: `hermes-chat-${userId}-${randomBytes(4).toString('hex')}`,
			// The Will Delay only holds while the session lives, so the session must outlive it
			// (MQTT 5.0 §3.1.3.2.2); clean start still discards it on our own reconnect.
			sessionExpirySeconds: willDelaySeconds,
			will: {
				topic: presenceTopic(base, userId),
				payload: this.#presencePayload('offline', ''),
				qos: 1,
				retain: true,
				delaySeconds: willDelaySeconds,
			},
			subscriptions: clientSubscriptionsV2(base, userId),
			logger: options.logger,
			reconnectPeriodMs: options.reconnectPeriodMs,
			onStateChanged: (state, detail) => {
				if (state !== 'up') this.#outbox.setConnected(false);
				options.onEvent({type: 'state-changed', state, detail});
			},
			onReady: () => this.#onReady(),
			onPublish: (topic, payload) => this.#onPublish(topic, payload),
		});
		const store = options.outboxDir
			? openOutboxStore({
					dir: options.outboxDir,
					legacyFile: `${options.outboxDir}.json`,
					logger: options.logger,
					onProblem: (problem) => options.onEvent({type: 'outbox-problem-changed', ...(problem ? {problem} : {})}),
				})
			: undefined;
		this.#store = store;
		this.#outbox = new Outbox({
			// Removals (✓, rejected) are written on the next turn; additions at once (sendMessage).
			onChange: store && (() => store.file.save(this.#persisted())),
			publish: (topic, bytes) => this.#link.publish(topic, bytes, {qos: 1}),
			resendAfterMs: options.resendAfterMs,
			maxResendAfterMs: options.maxResendAfterMs,
			onPubacked: (messageId) => options.onEvent({type: 'message-pubacked', messageId}),
			onPublishFailed: (messageId, error) =>
				options.logger.debug({messageId, err: error.message}, 'message publish failed; kept in outbox'),
		});
	}

	/** Whether the broker connection is up. */
	get isConnected(): boolean {
		return this.#link.isConnected;
	}

	/** Start connecting in the background; never throws. */
	start(): void {
		this.#link.start();
	}

	/**
	 * Queue my message (v2, text) in the outbox, write the outbox file durably (fsync) and
	 * publish it (QoS 1) to `{base}/server/{me}`. When it returns, the message is on disk unless
	 * an `outbox-problem-changed` event said the file cannot be written.
	 * @throws Error when the payload is invalid or too large (check before calling).
	 */
	sendMessage(payload: MessageV2): void {
		this.#queue(payload);
		this.#store?.file.flush();
	}

	/**
	 * Queue a room action (create, invite, kick, leave, rename, topic, op, mute, unmute) like a
	 * message: persisted, resent until the server's `received_by_server` or `rejected`.
	 * @throws Error when the payload is invalid (check before calling).
	 */
	sendRoom(payload: RoomV2): void {
		this.#queue(payload);
		this.#store?.file.flush();
	}

	/**
	 * Queue an edit, delete or reaction like a message: persisted, resent (same id) until the
	 * server's `received_by_server` or `rejected`.
	 * @throws Error when the payload is invalid (check before calling).
	 */
	sendAction(payload: MessageActionV2): void {
		this.#queue(payload);
		this.#store?.file.flush();
	}

	#queue(payload: OutboxPayload): void {
		const bytes = encodeV2(payload);
		this.#queuedHere.add(payload.message_id);
		this.#outbox.add(payload.message_id, serverTopic(this.#options.base, this.#options.userId), bytes);
	}

	#persisted(): PersistedMessage[] {
		return this.#outbox.pending().map(({messageId, topic, bytes}) => ({messageId, topic, payload: bytes.toString('utf8')}));
	}

	/**
	 * Queue again the messages and room actions that clients of mine which are gone left
	 * unconfirmed in {@link ChatLinkOptions.outboxDir} (same message ids, so the ingester stores
	 * each once); their files are deleted once the entries are in this client's file. Version 1
	 * messages (files of the previous release) are converted to v2 (see decodeOutboxEntry).
	 * Entries that are not my valid payloads (e.g. text the protocol now refuses) are logged
	 * and dropped. Never throws.
	 * @returns the payloads queued, oldest first.
	 */
	restorePending(): Promise<OutboxPayload[]> {
		const restoring = this.#restore();
		this.#restoring = restoring.catch(() => undefined);
		return restoring;
	}

	async #restore(): Promise<OutboxPayload[]> {
		const {logger, userId, base} = this.#options;
		if (!this.#store || this.#isClosing) return [];
		const adoption = await this.#store.adoptOrphans();
		// Closed meanwhile: leave the files for the next client (our own file is final already).
		if (this.#isClosing) {
			await adoption.settle(false);
			return [];
		}
		const restored: OutboxPayload[] = [];
		for (const entry of adoption.messages) {
			const decoded = decodeOutboxEntry(base, userId, entry);
			if (!decoded.ok) {
				logger.warn({messageId: entry.messageId, err: decoded.error}, 'outbox entry dropped');
				continue;
			}
			if (this.#outbox.attemptsOf(decoded.payload.message_id) !== undefined) continue;
			if (decoded.isConverted) logger.info({messageId: entry.messageId}, 'outbox entry of protocol 1 resent as protocol 2');
			this.#queue(decoded.payload);
			restored.push(decoded.payload);
		}
		await adoption.settle(this.#store.file.saveNow(this.#persisted()));
		return restored;
	}

	/** Publish a typing hint for a conversation (QoS 0, relayed by the server); dropped while disconnected. */
	sendTyping(conversationId: string, isTyping: boolean): void {
		const bytes = encodeV2({
			v: PROTOCOL_VERSION,
			type: 'typing',
			conversation_id: conversationId,
			sender_id: this.#options.userId,
			sender_name: this.#options.name,
			is_typing: isTyping,
			timestamp: new Date().toISOString(),
		});
		this.#link.publish(serverTopic(this.#options.base, this.#options.userId), bytes, {qos: 0}).catch(() => undefined);
	}

	/**
	 * Publish a `delivered`/`read` receipt (QoS 1, queued while offline) about message
	 * (`senderId`, `messageId`) of `conversationId`; the server stores it and forwards it to the sender.
	 * @returns a promise that settles on PUBACK; rejects only when the link is closing.
	 */
	sendStatus(conversationId: string, senderId: string, messageId: string, status: 'delivered' | 'read'): Promise<void> {
		const bytes = encodeV2({
			v: PROTOCOL_VERSION,
			type: 'status',
			status,
			conversation_id: conversationId,
			message_id: messageId,
			sender_id: senderId,
			user_id: this.#options.userId,
			timestamp: new Date().toISOString(),
		});
		return this.#link.publish(serverTopic(this.#options.base, this.#options.userId), bytes, {qos: 1, queueOffline: true});
	}

	/** Publish my presence (retained, QoS 1, queued while offline); it is republished on every connect. */
	setPresence(state: PresenceState, statusMessage = ''): Promise<void> {
		this.#presence = {state, statusMessage};
		return this.#publishPresence({queueOffline: true});
	}

	/**
	 * Record a message that reached this client another way (the catch-up from PostgreSQL after
	 * an outage), so a late live copy of it is dropped like any duplicate, and classify it as a
	 * live delivery would be.
	 * @param message `sentAt` is the send time in ms (as for live deliveries); `prevSeq` the
	 *   conversation's previous seq when known (as the server's `prev_seq`).
	 * @returns the dedupe verdict: `new` (report it), `repeat` (seen), `unknown` (too old to remember).
	 */
	noteMessage(message: {conversationId: string; senderId: string; messageId: string; sentAt: number; seq?: number; prevSeq?: number}): DedupeVerdict {
		return this.#classify(message);
	}

	/**
	 * Whether a message was reported already. Both memories are asked and both remember it:
	 * each answers `new` or `repeat` only when sure, so either's sure answer wins (`repeat` first);
	 * `unknown` only when both forgot. A delivery with a seq but no `prev_seq` (servers before
	 * 2.1) claims its seq alone, so the seq memory stays exact across server versions.
	 */
	#classify(m: {conversationId: string; senderId: string; messageId: string; sentAt: number; seq?: number; prevSeq?: number}): DedupeVerdict {
		const byId = this.#seenMessages.check(m.senderId, m.messageId, m.sentAt);
		if (m.seq === undefined) return byId;
		const bySeq = this.#seenSeqs.check(m.conversationId, m.seq, m.prevSeq ?? m.seq - 1);
		if (byId === 'repeat' || bySeq === 'repeat') return 'repeat';
		return byId === 'new' || bySeq === 'new' ? 'new' : 'unknown';
	}

	/** Ids of my messages still waiting for `received_by_server`, oldest first. */
	pendingMessageIds(): string[] {
		return this.#outbox.pendingIds();
	}

	/** Outbox publish counts by reason (first, resends after timeout / reconnect / a newer ✓). */
	outboxStats(): OutboxStats {
		return this.#outbox.stats();
	}

	/** How often a queued message has been published (undefined once confirmed). */
	attemptsOf(messageId: string): number | undefined {
		return this.#outbox.attemptsOf(messageId);
	}

	/**
	 * Publish `offline` (retained) if connected, then disconnect cleanly within `timeoutMs`.
	 * Messages still in the outbox are not sent after this.
	 */
	async close(timeoutMs = 2_000): Promise<void> {
		this.#isClosing = true;
		// An adoption in progress finishes first, so it never writes into a closed store.
		await this.#restoring;
		this.#outbox.close();
		if (this.#link.isConnected) {
			this.#presence = {state: 'offline', statusMessage: ''};
			const published = this.#publishPresence({queueOffline: false}).catch(() => undefined);
			await Promise.race([published, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
		}
		await this.#link.close(timeoutMs);
		await this.#store?.close(this.#outbox.pendingIds().length === 0);
	}

	#onReady(): void {
		this.#publishPresence({queueOffline: false}).catch((error: Error) =>
			this.#options.logger.debug({err: error.message}, 'presence publish failed'),
		);
		this.#outbox.setConnected(true);
	}

	#publishPresence({queueOffline}: {queueOffline: boolean}): Promise<void> {
		const {state, statusMessage} = this.#presence;
		const bytes = this.#presencePayload(state, statusMessage);
		return this.#link.publish(presenceTopic(this.#options.base, this.#options.userId), bytes, {
			qos: 1,
			retain: true,
			queueOffline,
		});
	}

	#presencePayload(state: PresenceState, statusMessage: string): Buffer {
		const payload: PresencePayload = {
			type: 'presence',
			user_id: this.#options.userId,
			user_name: this.#options.name,
			state,
			status_message: statusMessage,
			timestamp: new Date().toISOString(),
		};
		return encodePayload(payload);
	}

	#onPublish(topic: string, bytes: Buffer): void {
		// An empty retained publish clears a presence topic; nothing to report.
		if (bytes.byteLength === 0) return;
		const {base, userId: me, logger} = this.#options;
		if (topic === inboxTopic(base, me) || topic === broadcastInboxTopic(base)) return this.#onDelivery(topic, bytes);
		const decoded = decodePayload(base, topic, bytes);
		if (!decoded.ok || decoded.payload.type !== 'presence') {
			logger.warn({topic, reason: decoded.ok ? `${decoded.payload.type} on a presence topic` : decoded.error}, 'dropped invalid payload');
			return;
		}
		const {payload} = decoded;
		// My own `offline` while I am connected: a Last Will of an earlier session (its Will
		// Delay ran out after this session published `online`), or another client of mine that
		// quit. Either way this client is online, so it says so again.
		if (payload.user_id === me && payload.state === 'offline' && this.#presence.state !== 'offline' && this.#link.isConnected) {
			this.#publishPresence({queueOffline: false}).catch((error: Error) => logger.debug({err: error.message}, 'presence republish failed'));
			return;
		}
		this.#options.onEvent({type: 'presence-arrived', payload});
	}

	/** A server delivery on my inbox or the broadcast inbox (only the server can write them: broker ACL). */
	#onDelivery(topic: string, bytes: Buffer): void {
		const decoded = decodeV2(SERVER_ID, bytes);
		if (!decoded.ok) {
			this.#options.logger.warn({topic, reason: decoded.error}, 'dropped invalid delivery');
			return;
		}
		const me = this.#options.userId;
		const {payload} = decoded;
		switch (payload.type) {
			case 'message': {
				// My own copy of a message this link published: not news, but it brings the storage order.
				// (The system line of my own room action is news: it is the action's only trace.)
				const delivery = {
					conversationId: payload.conversation_id, senderId: payload.sender_id, messageId: payload.message_id,
					sentAt: Date.parse(payload.timestamp), seq: payload.seq, prevSeq: payload.prev_seq,
				};
				if (payload.sender_id === me && payload.message_type === 'text' && this.#queuedHere.has(payload.message_id)) {
					// Noted too: its seq is part of the conversation's chain (else a hole per message of mine).
					this.#classify(delivery);
					this.#options.onEvent({type: 'own-message-stored', payload});
					return;
				}
				const verdict = this.#classify(delivery);
				if (verdict === 'repeat') return;
				this.#options.onEvent({type: 'message-arrived', payload, ...(verdict === 'unknown' ? {isPossibleRepeat: true} : {})});
				return;
			}
			case 'status': {
				// Receipts travel to the message's sender only.
				if (payload.sender_id !== me) return;
				const key = `${payload.message_id}\u0000${payload.status}\u0000${payload.user_id}`;
				if (payload.status === 'rejected') {
					if (payload.user_id !== me) return;
					this.#outbox.reject(payload.message_id);
					if (this.#seenReceipts.add(key)) {
						this.#options.onEvent({type: 'message-rejected', messageId: payload.message_id, conversationId: payload.conversation_id, reason: payload.reason ?? 'refused by the server'});
					}
					return;
				}
				if (payload.status === 'received_by_server' && payload.user_id === me) this.#outbox.confirm(payload.message_id);
				if (this.#seenReceipts.add(key)) this.#options.onEvent({type: 'status-arrived', payload: {...payload, status: payload.status}});
				return;
			}
			case 'typing':
				if (payload.sender_id !== me) this.#options.onEvent({type: 'typing-arrived', payload});
				return;
			case 'room':
				// Client → server only; a server never delivers one.
				return;
			case 'edit':
			case 'delete':
			case 'react': {
				const appliedAt = payload.applied_at;
				// Only the server's record of a committed change counts (it alone sets applied_at).
				if (appliedAt !== undefined) this.#options.onEvent({type: 'message-changed', payload: {...payload, applied_at: appliedAt}});
				return;
			}
		}
	}
}
