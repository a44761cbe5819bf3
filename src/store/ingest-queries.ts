// The ingester's writes: one transaction per batch of messages, receipts and presence.
// May import pg (via db.ts) and protocol/ only. Reads live in history.ts (another owner).
import type pg from 'pg';
import {BROADCAST_ID} from '../protocol/index.js';
import type {Db} from './db.js';

// Every statement takes whole columns as arrays (unnest), so a batch costs a fixed number of
// round trips whatever its size; ON CONFLICT makes each one idempotent because QoS 1 redelivers.
// Upserts lock rows in key order so two ingesters sharing a subscription cannot deadlock.
const INSERT_MESSAGES = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
SELECT message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
	WITH ORDINALITY AS t(message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, ord)
ORDER BY ord
ON CONFLICT (message_id, sender_id) DO NOTHING`;

// 'sent' at the sender's clock, 'received_by_server' at ours; both about the sender.
const INSERT_SENT_STATUSES = `
INSERT INTO message_status (message_id, status, timestamp, user_id, sender_id)
SELECT message_id, status, at, user_id, user_id
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(message_id, user_id, sent_at)
	CROSS JOIN LATERAL (VALUES ('sent', sent_at), ('received_by_server', now())) AS s(status, at)
ON CONFLICT (message_id, status, user_id, sender_id) DO NOTHING`;

// Ids of this batch that another sender has stored too (migration 003 lets both be stored;
// such a clash is a squatting attempt or a broken client, so it is reported).
const FIND_ID_CLASHES = `
SELECT DISTINCT t.message_id, t.sender_id, m.sender_id AS other_sender_id
FROM unnest($1::text[], $2::text[]) AS t(message_id, sender_id)
	JOIN chat_messages m ON m.message_id = t.message_id AND m.sender_id <> t.sender_id
ORDER BY 1, 2, 3`;

// Which of these (message_id, sender_id) are stored: a message the ingester is about to
// reject may have been stored from an earlier, valid copy; that one is confirmed instead.
const FIND_STORED = `
SELECT t.message_id, t.sender_id
FROM unnest($1::text[], $2::text[]) AS t(message_id, sender_id)
WHERE EXISTS (SELECT 1 FROM chat_messages m WHERE m.message_id = t.message_id AND m.sender_id = t.sender_id)`;

const UPSERT_SENDERS = `
INSERT INTO chat_users (user_id, display_name, last_seen_at)
SELECT user_id, display_name, now() FROM unnest($1::text[], $2::text[]) AS t(user_id, display_name)
ON CONFLICT (user_id) DO UPDATE SET
	display_name = EXCLUDED.display_name, last_seen_at = now(), updated_at = now()`;

// Both sides of a direct message, the sender of a broadcast; a sender has read its own message.
// Re-applying a message (a duplicate) changes nothing: every column moves with GREATEST.
const UPSERT_MEMBERS_FOR_MESSAGES = `
WITH batch AS (
	SELECT m.* FROM chat_messages m
	WHERE (m.message_id, m.sender_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
)
INSERT INTO conversation_members (user_id, conversation_id, peer_id, last_seq, last_message_at, last_read_seq)
SELECT user_id, conversation_id, max(peer_id), max(seq), max(created_at), max(read_seq)
FROM (
	SELECT sender_id AS user_id, conversation_id, receiver_id AS peer_id, seq, created_at, seq AS read_seq
	FROM batch
	UNION ALL
	SELECT receiver_id, conversation_id, sender_id, seq, created_at, 0
	FROM batch WHERE receiver_id <> '${BROADCAST_ID}'
) AS p
GROUP BY user_id, conversation_id
ORDER BY user_id, conversation_id
ON CONFLICT (user_id, conversation_id) DO UPDATE SET
	last_seq = GREATEST(conversation_members.last_seq, EXCLUDED.last_seq),
	last_message_at = GREATEST(conversation_members.last_message_at, EXCLUDED.last_message_at),
	last_read_seq = GREATEST(conversation_members.last_read_seq, EXCLUDED.last_read_seq)`;

// delivered/read only for stored messages of the sender whose topic the receipt came on (its
// `to` level), and only from their recipient (or anyone for a broadcast). Reports per input row: stored (or already stored), missing, or rejected.
// A read implies delivered: a recipient that was offline when the message was published
// first gets it from history, already read, so its `delivered` row takes the read's time
// (a real `delivered` stored earlier wins through ON CONFLICT).
const INSERT_RECEIPTS = `
WITH input AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
		WITH ORDINALITY AS t(message_id, status, user_id, at, sender_id, ord)
), accepted AS (
	SELECT i.* FROM input i JOIN chat_messages m ON m.message_id = i.message_id AND m.sender_id = i.sender_id
	WHERE m.receiver_id IN (i.user_id, '${BROADCAST_ID}')
), candidates AS (
	SELECT message_id, sender_id, status, at, user_id FROM accepted
	UNION ALL
	SELECT message_id, sender_id, 'delivered', at, user_id FROM accepted WHERE status = 'read'
), inserted AS (
	-- The earliest candidate per transition; delivered before read (ids follow the flow).
	INSERT INTO message_status (message_id, sender_id, status, timestamp, user_id)
	SELECT DISTINCT ON (message_id, sender_id, status, user_id) message_id, sender_id, status, at, user_id FROM candidates
	ORDER BY message_id, sender_id, status, user_id, at
	ON CONFLICT (message_id, status, user_id, sender_id) DO NOTHING
)
SELECT i.ord::int AS ord,
	CASE WHEN m.message_id IS NULL THEN 'missing'
		WHEN EXISTS (SELECT 1 FROM accepted a WHERE a.ord = i.ord) THEN 'stored'
		ELSE 'rejected' END AS outcome
FROM input i LEFT JOIN chat_messages m ON m.message_id = i.message_id AND m.sender_id = i.sender_id
ORDER BY i.ord`;

// A read receipt moves the reader's marker in that message's conversation (never backwards).
const ADVANCE_READ_MARKERS = `
INSERT INTO conversation_members (user_id, conversation_id, peer_id, last_seq, last_message_at, last_read_seq)
SELECT r.user_id, m.conversation_id,
	max(CASE WHEN m.receiver_id = '${BROADCAST_ID}' THEN '${BROADCAST_ID}'
		WHEN m.sender_id = r.user_id THEN m.receiver_id ELSE m.sender_id END),
	max(m.seq), max(m.created_at), max(m.seq)
FROM unnest($1::text[], $2::text[], $3::text[]) AS r(message_id, user_id, sender_id)
	JOIN chat_messages m ON m.message_id = r.message_id AND m.sender_id = r.sender_id
		AND m.receiver_id IN (r.user_id, '${BROADCAST_ID}')
GROUP BY r.user_id, m.conversation_id
ORDER BY r.user_id, m.conversation_id
ON CONFLICT (user_id, conversation_id) DO UPDATE SET
	last_read_seq = GREATEST(conversation_members.last_read_seq, EXCLUDED.last_read_seq)`;

const UPSERT_PRESENCE = `
INSERT INTO chat_users (user_id, display_name, presence, status_message, last_seen_at)
SELECT user_id, display_name, presence, status_message, now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(user_id, display_name, presence, status_message)
ON CONFLICT (user_id) DO UPDATE SET
	display_name = EXCLUDED.display_name, presence = EXCLUDED.presence,
	status_message = EXCLUDED.status_message, last_seen_at = now(), updated_at = now()`;

/** One chat message to store (a validated protocol `message` payload). */
export interface MessageRow {
	messageId: string;
	senderId: string;
	senderName: string;
	/** User id, or `all` for a broadcast. */
	receiverId: string;
	content: string;
	messageType: string;
	/** The sender's send time, ISO 8601 (becomes the `sent` status time). */
	sentAt: string;
	/** protocol conversationIdFor(senderId, receiverId). */
	conversationId: string;
}

/** One `delivered`/`read` receipt to store. */
export interface ReceiptRow {
	messageId: string;
	/** The message's sender (the receipt topic's `to` level): ids are unique per sender only. */
	senderId: string;
	status: 'delivered' | 'read';
	/** The recipient the transition is about. */
	userId: string;
	/** ISO 8601, from the receipt. */
	at: string;
}

/** One presence update to store in chat_users. */
export interface PresenceRow {
	userId: string;
	name: string;
	state: string;
	statusMessage: string;
}

/**
 * A message the server will never store (it failed validation, or PostgreSQL refused its
 * data): its sender gets a `rejected` receipt with `reason` instead of waiting forever.
 */
export interface RejectionRow {
	messageId: string;
	/** The publisher (topic `from` level). */
	senderId: string;
	/** One line, at most protocol MAX_REASON_LENGTH characters. */
	reason: string;
}

/** Two senders that stored a message under one id (allowed since migration 003; reported). */
export interface IdClash {
	messageId: string;
	senderId: string;
	otherSenderId: string;
}

/** What one batch carries. Any part may be empty. */
export interface IngestBatch {
	messages: readonly MessageRow[];
	receipts: readonly ReceiptRow[];
	presences: readonly PresenceRow[];
	/** Messages to reject; optional so older callers need not pass it. */
	rejections?: readonly RejectionRow[];
}

/** What became of a receipt: stored (or already was), its message is `missing`, or not from its recipient. */
export type ReceiptOutcome = 'stored' | 'missing' | 'rejected';

/** Result of {@link writeIngestBatch}. */
export interface BatchResult {
	/** Messages that were new (the rest were duplicates of stored ones). */
	inserted: number;
	/** One outcome per `batch.receipts` entry, in order. */
	receiptOutcomes: ReceiptOutcome[];
	/** Messages of this batch whose id another sender has stored too. */
	idClashes: IdClash[];
	/**
	 * `batch.rejections` split: `stored` ones were stored from an earlier valid copy (confirm
	 * them, never reject a stored message), `refused` ones are not stored (reject them).
	 */
	rejections: {stored: RejectionRow[]; refused: RejectionRow[]};
}

/**
 * Write one batch in ONE transaction: messages (INSERT … unnest … ON CONFLICT (message_id,
 * sender_id) DO NOTHING, in order, so `seq` follows arrival; an id is unique per sender only,
 * so another sender using the same id can neither block nor stand in for a message), their `sent`/`received_by_server` status
 * rows, the senders in chat_users, conversation_members for both participants (a sender's
 * own message advances its read marker); then receipts (only for stored messages, so a
 * receipt may be reported `missing` and retried later), read markers (GREATEST), presence.
 * Idempotent: re-writing a batch changes nothing. Duplicates inside a batch are allowed.
 * @throws the driver's error (nothing was written: the transaction is rolled back).
 */
export async function writeIngestBatch(db: Db, batch: IngestBatch): Promise<BatchResult> {
	return db.withTransaction(async (client) => {
		const inserted = await writeMessages(client, batch.messages);
		const idClashes = await findIdClashes(client, batch.messages);
		const receiptOutcomes = await writeReceipts(client, batch.receipts);
		await writePresences(client, batch.presences);
		const rejections = await splitRejections(client, batch.rejections ?? []);
		return {inserted, receiptOutcomes, idClashes, rejections};
	});
}

async function writeMessages(client: pg.PoolClient, messages: readonly MessageRow[]): Promise<number> {
	if (messages.length === 0) return 0;
	const result = await client.query(INSERT_MESSAGES, [
		messages.map((m) => m.messageId),
		messages.map((m) => m.senderId),
		messages.map((m) => m.senderName),
		messages.map((m) => m.receiverId),
		messages.map((m) => m.content),
		messages.map((m) => m.messageType),
		messages.map((m) => m.conversationId),
	]);
	const ids = messages.map((m) => m.messageId);
	await client.query(INSERT_SENT_STATUSES, [ids, messages.map((m) => m.senderId), messages.map((m) => m.sentAt)]);
	// ON CONFLICT DO UPDATE may not touch a row twice in one statement: one entry per sender.
	const senders = [...new Map(messages.map((m) => [m.senderId, m.senderName]))].sort(([a], [b]) => (a < b ? -1 : 1));
	await client.query(UPSERT_SENDERS, [senders.map(([id]) => id), senders.map(([, name]) => name)]);
	await client.query(UPSERT_MEMBERS_FOR_MESSAGES, [ids, messages.map((m) => m.senderId)]);
	return result.rowCount ?? 0;
}

async function findIdClashes(client: pg.PoolClient, messages: readonly MessageRow[]): Promise<IdClash[]> {
	if (messages.length === 0) return [];
	const result = await client.query<{message_id: string; sender_id: string; other_sender_id: string}>(FIND_ID_CLASHES, [
		messages.map((m) => m.messageId),
		messages.map((m) => m.senderId),
	]);
	return result.rows.map((r) => ({messageId: r.message_id, senderId: r.sender_id, otherSenderId: r.other_sender_id}));
}

async function splitRejections(client: pg.PoolClient, rejections: readonly RejectionRow[]): Promise<BatchResult['rejections']> {
	if (rejections.length === 0) return {stored: [], refused: []};
	const result = await client.query<{message_id: string; sender_id: string}>(FIND_STORED, [
		rejections.map((r) => r.messageId),
		rejections.map((r) => r.senderId),
	]);
	const stored = new Set(result.rows.map((r) => `${r.sender_id}/${r.message_id}`));
	const isStored = (r: RejectionRow) => stored.has(`${r.senderId}/${r.messageId}`);
	return {stored: rejections.filter(isStored), refused: rejections.filter((r) => !isStored(r))};
}

async function writeReceipts(client: pg.PoolClient, receipts: readonly ReceiptRow[]): Promise<ReceiptOutcome[]> {
	if (receipts.length === 0) return [];
	const result = await client.query<{ord: number; outcome: ReceiptOutcome}>(INSERT_RECEIPTS, [
		receipts.map((r) => r.messageId),
		receipts.map((r) => r.status),
		receipts.map((r) => r.userId),
		receipts.map((r) => r.at),
		receipts.map((r) => r.senderId),
	]);
	const reads = receipts.filter((r) => r.status === 'read');
	if (reads.length > 0) {
		await client.query(ADVANCE_READ_MARKERS, [reads.map((r) => r.messageId), reads.map((r) => r.userId), reads.map((r) => r.senderId)]);
	}
	return result.rows.map((row) => row.outcome);
}

async function writePresences(client: pg.PoolClient, presences: readonly PresenceRow[]): Promise<void> {
	if (presences.length === 0) return;
	// The latest update per user wins (one row per key, see UPSERT_SENDERS).
	const latest = [...new Map(presences.map((p) => [p.userId, p])).values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
	await client.query(UPSERT_PRESENCE, [
		latest.map((p) => p.userId),
		latest.map((p) => p.name),
		latest.map((p) => p.state),
		latest.map((p) => p.statusMessage),
	]);
}
