// Publishes `received_by_server` receipts for committed messages (the ✓ a sender waits for).
// Imports protocol/ and ingest types only; the MQTT client is injected as a publish function.
import {SERVER_ID, encodePayload, topicFor} from '../protocol/index.js';
import type {Logger} from '../log.js';
import type {MessageRow} from '../store/ingest-queries.js';
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

	/** Publish receipts for these committed messages. Never throws. */
	confirm(messages: readonly MessageRow[]): void {
		const timestamp = new Date().toISOString();
		const seen = new Set<string>();
		for (const message of messages) {
			if (seen.has(message.messageId)) continue;
			seen.add(message.messageId);
			const payload = encodePayload({
				type: 'status',
				status: 'received_by_server',
				user_id: message.senderId,
				message_id: message.messageId,
				timestamp,
			});
			const sent = this.publish(topicFor(this.topicBase, message.senderId, SERVER_ID), payload).then(
				() => void this.stats.confirmationsPublished++,
				(error: Error) => this.logger.warn({messageId: message.messageId, err: error.message}, 'receipt not published'),
			);
			this.inFlight.add(sent);
			void sent.finally(() => this.inFlight.delete(sent));
		}
	}

	/** Resolve when every receipt published so far is acknowledged, or after `timeoutMs`. */
	async settled(timeoutMs: number): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
		await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
		clearTimeout(timer);
	}
}
