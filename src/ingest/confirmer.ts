// Publishes what the server says after a COMMIT: ✓ (`received_by_server`) and ✗ (`rejected`) to
// senders, and (protocol v2) the fan-out: stored messages to members' inboxes, forwarded receipts,
// relayed typing. Imports protocol/ and ingest types only; the MQTT client is injected.
import {
	BROADCAST_ID,
	MAX_REASON_LENGTH,
	SERVER_ID,
	broadcastInboxTopic,
	encodeTrusted,
	encodeV2,
	inboxTopic,
	topicFor,
	unstorableTextReason,
} from '../protocol/index.js';
import type {Logger} from '../log.js';
import type {Confirmation, ReceiptForward, RejectionRow, StoredChange, StoredMessage, TypingRelay} from '../store/ingest-queries.js';
import type {IngestStats} from './types.js';

/**
 * Publish one payload at `qos` (default 1) and call `done` once: on PUBACK (QoS 1) or once
 * written (QoS 0), with an error when the client gives up. A callback, not a promise: the
 * ingester publishes three of these per message (✓ and two inboxes), and a promise chain per
 * publish was a visible share of its CPU and garbage (issue 12).
 */
export type PublishQos1 = (topic: string, payload: Buffer, qos: 0 | 1 | undefined, done: (error?: Error) => void) => void;

type Counter = 'confirmationsPublished' | 'rejectionsPublished' | 'fanOutPublishes';

/**
 * Sends, after COMMIT only: one `received_by_server` per distinct confirmed message or room
 * action, duplicates included (a sender re-sends when it missed the first receipt) — version 1
 * `{type:'status', …}` on `{base}/{sender}/server` for a version 1 publish, version 2 (with
 * `conversation_id`) on the sender's inbox `{base}/{sender}/server/inbox` otherwise; `rejected`
 * likewise; and the v2 fan-out (see {@link Confirmer.deliver}). Does not wait for PUBACKs
 * (mqtt.js keeps unacknowledged QoS 1 publishes and sends them again after a reconnect);
 * {@link Confirmer.settled} does. Never throws: a payload that cannot be encoded is logged.
 */
export class Confirmer {
	/** Publishes not yet acknowledged. */
	#unacknowledged = 0;
	/** {@link Confirmer.settled} callers waiting for #unacknowledged to reach 0. */
	readonly #settledWaiters: Array<() => void> = [];

	constructor(
		private readonly publish: PublishQos1,
		private readonly topicBase: string,
		private readonly logger: Logger,
		private readonly stats: IngestStats,
	) {}

	/** Publish ✓ for these committed messages and room actions (one per sender and id). Never throws. */
	confirm(confirmations: readonly Confirmation[]): void {
		const timestamp = new Date().toISOString();
		const seen = new Set<string>();
		for (const c of confirmations) {
			const key = `${c.senderId}/${c.messageId}`;
			if (seen.has(key)) continue;
			seen.add(key);
			const status = {status: 'received_by_server', user_id: c.senderId, message_id: c.messageId, timestamp} as const;
			if (c.conversationId === undefined) this.#send(topicFor(this.topicBase, c.senderId, SERVER_ID), () => encodeTrusted({type: 'status', ...status}), 'confirmationsPublished', c.messageId);
			else this.#send(inboxTopic(this.topicBase, c.senderId), () => encodeTrusted({v: 2, type: 'status', ...status, conversation_id: c.conversationId!, sender_id: c.senderId}), 'confirmationsPublished', c.messageId);
		}
	}

	/**
	 * Publish `rejected` with its reason for messages the server will never store (the sender
	 * drops them from its outbox and shows ✗). Call only after checking that none of them is
	 * stored. Never throws.
	 */
	reject(rejections: readonly RejectionRow[]): void {
		const timestamp = new Date().toISOString();
		for (const r of rejections) {
			const status = {status: 'rejected', user_id: r.senderId, message_id: r.messageId, timestamp, reason: oneLineReason(r.reason)} as const;
			if (r.conversationId === undefined) this.#send(topicFor(this.topicBase, r.senderId, SERVER_ID), () => encodeTrusted({type: 'status', ...status}), 'rejectionsPublished', r.messageId);
			else this.#send(inboxTopic(this.topicBase, r.senderId), () => encodeTrusted({v: 2, type: 'status', ...status, conversation_id: r.conversationId!, sender_id: r.senderId}), 'rejectionsPublished', r.messageId);
		}
	}

	/**
	 * Fan out newly stored messages and system lines (v2 `message` with `seq`, `prev_seq` and `created_at`)
	 * at QoS 1, in the given (seq) order: to each recipient's inbox, or once to the broadcast
	 * inbox for `all`. Never throws.
	 */
	deliver(messages: readonly StoredMessage[]): void {
		for (const m of messages) {
			// Built from stored rows whose fields were validated on the way in: no schema check.
			const encode = () =>
				encodeTrusted({
					v: 2, type: 'message', message_id: m.messageId, conversation_id: m.conversationId, sender_id: m.senderId,
					sender_name: m.senderName, content: m.content, message_type: m.messageType, timestamp: m.sentAt,
					seq: m.seq, ...(m.prevSeq !== undefined ? {prev_seq: m.prevSeq} : {}), created_at: m.createdAt, ...(m.event ? {event: m.event} : {}),
					...(m.replyTo ? {reply_to: {sender_id: m.replyTo.senderId, message_id: m.replyTo.messageId, seq: m.replyTo.seq, sender_name: m.replyTo.senderName, ...(m.replyTo.preview !== undefined ? {preview: m.replyTo.preview} : {})}} : {}),
				});
			this.#fanOut(m.recipients, encode, 1, m.messageId);
		}
	}

	/**
	 * Fan out committed edits, deletes and reactions (v2 `edit`/`delete`/`react` with
	 * `applied_at`) at QoS 1 to the conversation's current members (or the broadcast inbox), in
	 * batch order. A deleted message's edit goes out as its delete. Never throws.
	 */
	deliverChanges(changes: readonly StoredChange[]): void {
		for (const c of changes) {
			const {row} = c;
			// A delivered delete names its deleter (for a re-sent action on a deleted message, whoever deleted it).
			const isOtherDeleter = c.kind === 'delete' && c.deletedBy !== undefined && c.deletedBy !== row.actorId;
			const header = {
				v: 2 as const, message_id: row.actionId, conversation_id: row.conversationId,
				sender_id: isOtherDeleter ? c.deletedBy! : row.actorId, sender_name: isOtherDeleter ? c.deletedBy! : row.actorName,
				target: {sender_id: row.targetSenderId, message_id: row.targetMessageId}, timestamp: row.sentAt, applied_at: c.appliedAt,
			};
			const encode = () =>
				c.kind === 'edit' ? encodeV2({...header, type: 'edit', content: c.content ?? '', version: c.version ?? 1})
				: c.kind === 'delete' ? encodeV2({...header, type: 'delete'})
				: encodeV2({...header, type: 'react', emoji: row.emoji ?? '', is_on: c.isOn === true});
			this.#fanOut(c.recipients, encode, 1, row.actionId);
		}
	}

	/** Forward stored `delivered`/`read` receipts (v2) to each message sender's inbox at QoS 1. Never throws. */
	forwardReceipts(receipts: readonly ReceiptForward[]): void {
		for (const r of receipts) {
			this.#send(
				inboxTopic(this.topicBase, r.senderId),
				() => encodeTrusted({v: 2, type: 'status', status: r.status, conversation_id: r.conversationId, message_id: r.messageId, sender_id: r.senderId, user_id: r.userId, timestamp: r.at}),
				'fanOutPublishes',
				r.messageId,
			);
		}
	}

	/** Relay typing (v2) at QoS 0 to the other current members' inboxes (the broadcast inbox for `all`). Never throws. */
	relayTyping(relays: readonly TypingRelay[]): void {
		for (const {row, recipients} of relays) {
			const encode = () => encodeV2({v: 2, type: 'typing', conversation_id: row.conversationId, sender_id: row.senderId, sender_name: row.senderName, is_typing: row.isTyping, timestamp: row.at});
			this.#fanOut(recipients, encode, 0, 'typing');
		}
	}

	#fanOut(recipients: readonly string[] | typeof BROADCAST_ID, encode: () => Buffer, qos: 0 | 1, what: string): void {
		const topics = recipients === BROADCAST_ID ? [broadcastInboxTopic(this.topicBase)] : recipients.map((id) => inboxTopic(this.topicBase, id));
		let bytes: Buffer;
		try {
			bytes = encode();
		} catch (error) {
			this.logger.warn({what, err: (error as Error).message.split('\n')[0]}, 'fan-out payload not encodable; not published');
			return;
		}
		for (const topic of topics) this.#send(topic, () => bytes, 'fanOutPublishes', what, qos);
	}

	#send(topic: string, encode: () => Buffer, counter: Counter, messageId: string, qos: 0 | 1 = 1): void {
		let bytes: Buffer;
		try {
			bytes = encode();
		} catch (error) {
			this.logger.warn({messageId, err: (error as Error).message.split('\n')[0]}, 'receipt not encodable; not published');
			return;
		}
		this.#unacknowledged++;
		let isDone = false;
		this.publish(topic, bytes, qos, (error) => {
			if (isDone) return;
			isDone = true;
			if (error) this.logger.warn({messageId, err: error.message}, 'receipt not published');
			else this.stats[counter]++;
			if (--this.#unacknowledged === 0) for (const wake of this.#settledWaiters.splice(0)) wake();
		});
	}

	/**
	 * Resolve when every receipt published so far (and since) is acknowledged or given up by the
	 * client, or after `timeoutMs`. Never rejects.
	 */
	async settled(timeoutMs: number): Promise<void> {
		if (this.#unacknowledged === 0) return;
		let timer: NodeJS.Timeout | undefined;
		await new Promise<void>((resolve) => {
			timer = setTimeout(resolve, timeoutMs);
			this.#settledWaiters.push(resolve);
		});
		clearTimeout(timer);
	}
}

/**
 * `text` as a rejection reason: its first line, control characters replaced, at most
 * MAX_REASON_LENGTH characters, never empty, storable (so encoding the receipt cannot throw).
 */
export function oneLineReason(text: string): string {
	// eslint-disable-next-line no-control-regex
	const line = (text.split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
	const short = line.slice(0, MAX_REASON_LENGTH);
	const safe = unstorableTextReason(short) ? short.replace(/[\uD800-\uDFFF]/g, '?') : short;
	return safe.trim() || 'refused by the server';
}
