// Test helper: the storage of the previous release (0.1.0, migrations 001–003), frozen here so
// upgrade tests can build a database exactly as that release's ingester left it, and read it
// as that release's TUI did. Copied verbatim from `git show main:src/store/ingest-queries.ts`
// and `main:src/store/history-people.ts` (before issue 8); never change them to follow src/.
import type pg from 'pg';

const BROADCAST_ID = 'all';
const UNREAD_COUNT_CAP = 1_000;

const INSERT_MESSAGES = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
SELECT message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
	WITH ORDINALITY AS t(message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, ord)
ORDER BY ord
ON CONFLICT (message_id, sender_id) DO NOTHING`;

const INSERT_SENT_STATUSES = `
INSERT INTO message_status (message_id, status, timestamp, user_id, sender_id)
SELECT message_id, status, at, user_id, user_id
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(message_id, user_id, sent_at)
	CROSS JOIN LATERAL (VALUES ('sent', sent_at), ('received_by_server', now())) AS s(status, at)
ON CONFLICT (message_id, status, user_id, sender_id) DO NOTHING`;

const UPSERT_SENDERS = `
INSERT INTO chat_users (user_id, display_name, last_seen_at)
SELECT user_id, display_name, now() FROM unnest($1::text[], $2::text[]) AS t(user_id, display_name)
ON CONFLICT (user_id) DO UPDATE SET
	display_name = EXCLUDED.display_name, last_seen_at = now(), updated_at = now()`;

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

/**
 * The previous release's conversation list of user `$1` (at most `$2` rows): its member rows
 * plus `all` (read marker 0 without a row); unread = others' messages after the marker, capped
 * at 1000. Columns: conversation_id, peer_id, peer_name, unread (int), last_* of the newest message.
 */
export const PREVIOUS_CONVERSATIONS_QUERY = `
WITH mine AS (
	SELECT conversation_id, peer_id, last_read_seq, last_message_at
	FROM conversation_members WHERE user_id = $1
	UNION ALL
	SELECT '${BROADCAST_ID}', '${BROADCAST_ID}', 0, NULL
	WHERE NOT EXISTS (
		SELECT 1 FROM conversation_members WHERE user_id = $1 AND conversation_id = '${BROADCAST_ID}')
)
SELECT c.conversation_id, c.peer_id,
	CASE WHEN c.peer_id = '${BROADCAST_ID}' THEN 'everyone'
		ELSE coalesce(u.display_name, c.peer_id) END AS peer_name,
	(SELECT count(*) FROM (
		SELECT 1 FROM chat_messages x
		WHERE x.conversation_id >= c.conversation_id AND x.conversation_id <= c.conversation_id
			AND x.seq > c.last_read_seq AND x.sender_id <> $1
		ORDER BY x.conversation_id, x.seq
		LIMIT ${UNREAD_COUNT_CAP}) AS unread_rows)::int AS unread,
	last.sender_id AS last_sender_id, last.content AS last_content, last.created_at AS last_created_at,
	GREATEST(last.created_at, c.last_message_at) AS last_activity_at
FROM mine c
LEFT JOIN chat_users u ON u.user_id = c.peer_id
LEFT JOIN LATERAL (
	SELECT x.sender_id, x.content, x.created_at FROM chat_messages x
	WHERE x.conversation_id >= c.conversation_id AND x.conversation_id <= c.conversation_id
	ORDER BY x.conversation_id DESC, x.seq DESC LIMIT 1
) AS last ON true
ORDER BY last_activity_at DESC NULLS LAST, c.conversation_id
LIMIT $2`;

/** A version 1 chat message as the previous ingester stored it (receiver `all` = broadcast). */
export interface PreviousMessage {
	messageId: string;
	senderId: string;
	senderName: string;
	receiverId: string;
	content: string;
	/** The sender's clock, ISO 8601 (the `sent` row's time). */
	sentAt: string;
}

/** A `delivered`/`read` receipt by `userId` about `senderId`'s message. */
export interface PreviousReceipt {
	messageId: string;
	senderId: string;
	status: 'delivered' | 'read';
	userId: string;
	/** ISO 8601. */
	at: string;
}

/** A presence update (chat_users only). */
export interface PreviousPresence {
	userId: string;
	name: string;
	state: string;
	statusMessage: string;
}

/** The previous release's conversation id: `all`, or the two ids sorted and joined by `:`. */
export function previousConversationId(a: string, b: string): string {
	if (b === BROADCAST_ID) return BROADCAST_ID;
	return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/**
 * Write one batch in one transaction exactly as the previous release's ingester did
 * (writeIngestBatch of 0.1.0): messages, sent/received_by_server rows, senders, member rows of
 * both sides, then receipts and read markers, then presence.
 * @returns the outcome per receipt (`stored` | `missing` | `rejected`).
 * @throws the driver's error (the batch is rolled back).
 */
export async function writePreviousReleaseBatch(
	client: pg.Client,
	batch: {messages?: readonly PreviousMessage[]; receipts?: readonly PreviousReceipt[]; presences?: readonly PreviousPresence[]},
): Promise<string[]> {
	const messages = batch.messages ?? [];
	const receipts = batch.receipts ?? [];
	const presences = batch.presences ?? [];
	await client.query('BEGIN');
	try {
		if (messages.length > 0) {
			await client.query(INSERT_MESSAGES, [
				messages.map((m) => m.messageId),
				messages.map((m) => m.senderId),
				messages.map((m) => m.senderName),
				messages.map((m) => m.receiverId),
				messages.map((m) => m.content),
				messages.map(() => 'text'),
				messages.map((m) => previousConversationId(m.senderId, m.receiverId)),
			]);
			const ids = messages.map((m) => m.messageId);
			await client.query(INSERT_SENT_STATUSES, [ids, messages.map((m) => m.senderId), messages.map((m) => m.sentAt)]);
			const senders = [...new Map(messages.map((m) => [m.senderId, m.senderName]))].sort(([a], [b]) => (a < b ? -1 : 1));
			await client.query(UPSERT_SENDERS, [senders.map(([id]) => id), senders.map(([, name]) => name)]);
			await client.query(UPSERT_MEMBERS_FOR_MESSAGES, [ids, messages.map((m) => m.senderId)]);
		}
		let outcomes: string[] = [];
		if (receipts.length > 0) {
			const result = await client.query<{outcome: string}>(INSERT_RECEIPTS, [
				receipts.map((r) => r.messageId),
				receipts.map((r) => r.status),
				receipts.map((r) => r.userId),
				receipts.map((r) => r.at),
				receipts.map((r) => r.senderId),
			]);
			outcomes = result.rows.map((row) => row.outcome);
			const reads = receipts.filter((r) => r.status === 'read');
			if (reads.length > 0) {
				await client.query(ADVANCE_READ_MARKERS, [reads.map((r) => r.messageId), reads.map((r) => r.userId), reads.map((r) => r.senderId)]);
			}
		}
		if (presences.length > 0) {
			const latest = [...new Map(presences.map((p) => [p.userId, p])).values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
			await client.query(UPSERT_PRESENCE, [
				latest.map((p) => p.userId),
				latest.map((p) => p.name),
				latest.map((p) => p.state),
				latest.map((p) => p.statusMessage),
			]);
		}
		await client.query('COMMIT');
		return outcomes;
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		throw error;
	}
}
