// Turns a batch of queued items into one transaction, then confirms and re-queues receipts.
// Imports store/ (writes), protocol/ and ingest/ parts; never pg or mqtt directly.
import type {Logger} from '../log.js';
import type {Db} from '../store/db.js';
import {writeIngestBatch, type IngestBatch, type MessageActionRow, type MessageRow, type RejectionRow, type RoomRow, type TypingRow} from '../store/ingest-queries.js';
import type {Confirmer} from './confirmer.js';
import type {IngestItem, IngestStats} from './types.js';

/** What {@link createBatchWriter} needs. */
export interface BatchWriterOptions {
	db: Db;
	confirmer: Confirmer;
	logger: Logger;
	stats: IngestStats;
	/** How long a receipt for a not-yet-stored message is retried, in ms. */
	statusRetryMs: number;
	/** Delay before a `missing` receipt is queued again, in ms. */
	receiptRetryDelayMs: number;
	/** Queue an item again later (the writer calls it for receipts whose message is missing). */
	requeue(item: IngestItem, delayMs: number): void;
	/** Clock in ms (tests). */
	now?: () => number;
}

/**
 * Make the Batcher's write function. Per batch: one transaction (writeIngestBatch); after
 * COMMIT, receipts for every message in it; `missing` receipts go back in the queue until
 * `statusRetryMs` after they first arrived, then are logged and dropped.
 * A transient failure (connection lost, deadlock) is thrown so the Batcher retries the whole
 * batch. A data error (SQLSTATE class 22/23, e.g. a timestamp Postgres cannot store) is
 * isolated by splitting the batch in halves until the offending item is found; that item is
 * logged and dropped (never confirmed) so it cannot block the items behind it; a message's
 * sender gets a `rejected` receipt with the reason, so it stops re-sending it forever.
 * `rejection` items (messages that failed validation) are answered after COMMIT: `rejected`,
 * or `received_by_server` again when that sender's message with that id is stored already.
 * Ids another sender also stored (squatting; both are kept, migration 003) are logged.
 */
export function createBatchWriter(options: BatchWriterOptions): (items: IngestItem[]) => Promise<void> {
	const now = options.now ?? Date.now;
	const {logger, stats} = options;

	// Batches in flight take their conversation locks in the order they were cut: each write
	// waits, before its transaction, until the previous one holds its locks (or has ended). The
	// waits are in JavaScript only before BEGIN, so no transaction ever waits on a later one.
	let previousLocked: Promise<void> = Promise.resolve();

	async function commit(items: IngestItem[]): Promise<void> {
		const batch = toBatch(items);
		const turn = previousLocked;
		let locked!: () => void;
		previousLocked = new Promise<void>((resolve) => (locked = resolve));
		let result: Awaited<ReturnType<typeof writeIngestBatch>>;
		try {
			await turn;
			result = await writeIngestBatch(options.db, batch, {onConversationsLocked: locked});
		} finally {
			locked();
		}
		stats.batches++;
		stats.inserted += result.inserted;
		stats.refusedByRules += result.refusedByRules.messages + result.refusedByRules.rooms + result.refusedByRules.actions;
		stats.duplicates += batch.messages.length - result.inserted - result.refusedByRules.messages;
		stats.presences += batch.presences.length;
		// The fan-out first, then the senders' receipts (all only now, after COMMIT): publishes leave
		// in order on one connection, so a sender holding its ✓ knows the broker took the delivery
		// before it — an ingester killed in between leaves no ✓ without a delivery, and a sender
		// without its ✓ re-sends, which delivers the stored copy again.
		options.confirmer.deliver(result.stored);
		options.confirmer.deliverChanges(result.changes);
		options.confirmer.confirm(result.confirmations);
		options.confirmer.reject(result.rejections.refused);
		options.confirmer.forwardReceipts(result.receiptForwards);
		options.confirmer.relayTyping(result.typingRelays);
		for (const clash of result.idClashes) {
			stats.idClashes++;
			// Both are stored (ids are unique per sender, migration 003); neither stands in for the other.
			logger.warn(clash, 'message id also used by another sender; stored as a separate message');
		}
		const receipts = items.filter((item) => item.kind === 'receipt');
		result.receiptOutcomes.forEach((outcome, i) => {
			const item = receipts[i];
			if (!item) return;
			if (outcome === 'stored') stats.receiptsStored++;
			else if (outcome === 'rejected') {
				stats.receiptsDropped++;
				logger.warn({messageId: item.row.messageId, userId: item.row.userId}, 'receipt dropped: not from a current member other than the sender');
			} else if (!item.isFinal && now() - item.firstSeenAt < options.statusRetryMs) {
				stats.receiptsRetried++;
				options.requeue(item, options.receiptRetryDelayMs);
			} else {
				stats.receiptsDropped++;
				logger.warn({messageId: item.row.messageId, status: item.row.status}, 'receipt dropped: message never stored');
			}
		});
	}

	async function isolate(items: IngestItem[]): Promise<void> {
		try {
			await commit(items);
		} catch (error) {
			if (!isDataError(error)) throw error;
			if (items.length === 1) {
				const item = items[0]!;
				stats.poisoned++;
				logger.warn({item: describe(item), err: (error as Error).message}, 'dropped an item Postgres rejects');
				// Its sender would re-send it forever: say it will never be stored. (Before the
				// transaction it is checked not to be stored already, as every rejection is.)
				if (item.kind === 'message' || item.kind === 'room' || item.kind === 'action') await rejectUnstorable(item, error as Error);
				return;
			}
			const half = Math.ceil(items.length / 2);
			await isolate(items.slice(0, half));
			await isolate(items.slice(half));
		}
	}

	async function rejectUnstorable(item: Extract<IngestItem, {kind: 'message' | 'room' | 'action'}>, error: Error): Promise<void> {
		const reason = `the server cannot store it: ${error.message}`;
		const rejection = item.kind === 'action'
			? {messageId: item.row.actionId, senderId: item.row.actorId, reason, conversationId: item.row.conversationId}
			: {messageId: item.row.messageId, senderId: item.row.senderId, reason, ...(item.kind === 'room' || item.row.version === 2 ? {conversationId: item.row.conversationId} : {})};
		await commit([{kind: 'rejection', row: rejection}]);
	}

	return async (items) => {
		try {
			await isolate(items);
		} catch (error) {
			stats.writeFailures++;
			throw error;
		}
	};
}

function toBatch(items: readonly IngestItem[]): IngestBatch {
	const messages: MessageRow[] = [];
	const receipts: IngestBatch['receipts'][number][] = [];
	const presences: IngestBatch['presences'][number][] = [];
	const rejections: RejectionRow[] = [];
	const rooms: RoomRow[] = [];
	const typing: TypingRow[] = [];
	const actions: MessageActionRow[] = [];
	for (const item of items) {
		if (item.kind === 'message') messages.push(item.row);
		else if (item.kind === 'receipt') receipts.push(item.row);
		else if (item.kind === 'rejection') rejections.push(item.row);
		else if (item.kind === 'room') rooms.push(item.row);
		else if (item.kind === 'typing') typing.push(item.row);
		else if (item.kind === 'action') actions.push(item.row);
		else presences.push(item.row);
	}
	return {messages, receipts, presences, rejections, rooms, typing, actions};
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
function isDataError(error: unknown): boolean {
	const code = (error as {code?: unknown}).code;
	return typeof code === 'string' && /^2[23]/.test(code);
}

function describe(item: IngestItem): Record<string, string> {
	if (item.kind === 'message') return {kind: item.kind, messageId: item.row.messageId, senderId: item.row.senderId};
	if (item.kind === 'receipt') return {kind: item.kind, messageId: item.row.messageId, userId: item.row.userId};
	if (item.kind === 'rejection' || item.kind === 'room') return {kind: item.kind, messageId: item.row.messageId, senderId: item.row.senderId};
	if (item.kind === 'action') return {kind: item.row.kind, messageId: item.row.actionId, senderId: item.row.actorId};
	if (item.kind === 'typing') return {kind: item.kind, senderId: item.row.senderId, conversationId: item.row.conversationId};
	return {kind: item.kind, userId: item.row.userId};
}
