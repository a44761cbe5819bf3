// Publishes `received_by_server` receipts for committed messages (the ✓ a sender waits for).
// Imports protocol/ and ingest types only; the MQTT client is injected as a publish function.
import {MAX_REASON_LENGTH, SERVER_ID, encodePayload, topicFor, unstorableTextReason} from '../protocol/index.js';
import type {Logger} from '../log.js';
import type {MessageRow, RejectionRow} from '../store/ingest-queries.js';
import type {IngestStats} from './types.js';

/** Publish one payload at QoS 1; resolves on PUBACK, rejects when the client gives up. */
export type PublishQos1 = (topic: string, payload: Buffer) => Promise<void>;

/**
 * Sends one `{type:'status', status:'received_by_server', user_id: sender, message_id,
 * timestamp}` at QoS 1 to `{base}/{sender}/server` per distinct message of a committed batch,
 * duplicates included (a sender re-sends when it missed the first receipt). Call only after
 * COMMIT. Does not wait for PUBACKs (mqtt.js keeps unacknowledged QoS 1 publishes and sends
 * them again after a reconnect); {@link Confirmer.settled} does.
 */
export class Confirmer {
	private readonly inFlight = new Set<Promise<void>>();

	constructor(
		private readonly publish: PublishQos1,
		private readonly topicBase: string,
		private readonly logger: Logger,
		private readonly stats: IngestStats,
	) {}

	/** Publish receipts for these committed messages (one per sender and id). Never throws. */
	confirm(messages: ReadonlyArray<Pick<MessageRow, 'messageId' | 'senderId'>>): void {
		const timestamp = new Date().toISOString();
		const seen = new Set<string>();
		for (const message of messages) {
			const key = `${message.senderId}/${message.messageId}`;
			if (seen.has(key)) continue;
			seen.add(key);
			this.#send(message, {type: 'status', status: 'received_by_server', user_id: message.senderId, message_id: message.messageId, timestamp}, 'confirmationsPublished');
		}
	}

	/**
	 * Publish `{type:'status', status:'rejected', reason}` to `{base}/{sender}/server` for
	 * messages the server will never store (the sender drops them from its outbox and shows ✗).
	 * Call only after checking that none of them is stored. Never throws.
	 */
	reject(rejections: readonly RejectionRow[]): void {
		const timestamp = new Date().toISOString();
		for (const r of rejections) {
			this.#send(r, {type: 'status', status: 'rejected', user_id: r.senderId, message_id: r.messageId, timestamp, reason: oneLineReason(r.reason)}, 'rejectionsPublished');
		}
	}

	#send(message: Pick<MessageRow, 'messageId' | 'senderId'>, payload: Parameters<typeof encodePayload>[0], counter: 'confirmationsPublished' | 'rejectionsPublished'): void {
		const sent = this.publish(topicFor(this.topicBase, message.senderId, SERVER_ID), encodePayload(payload)).then(
			() => void this.stats[counter]++,
			(error: Error) => this.logger.warn({messageId: message.messageId, err: error.message}, 'receipt not published'),
		);
		this.inFlight.add(sent);
		void sent.finally(() => this.inFlight.delete(sent));
	}

	/** Resolve when every receipt published so far is acknowledged, or after `timeoutMs`. */
	async settled(timeoutMs: number): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
		await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
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
