// Catch-up reads for a client whose broker connection was down: the messages of my conversations
// stored meanwhile that lack my receipts, and the receipts on my messages stored meanwhile.
// May import pg (via db.ts), protocol/ and core/types. The ingester writes; this reads.
import type {ChatMessage, Receipt} from '../core/types.js';
import {BROADCAST_ID, STATUS_FLOW, type DeliveryStatus} from '../protocol/index.js';
import type {Db} from './db.js';
import {ACTION_COLUMNS, actionFields, type ActionColumns} from './history-actions.js';

/** The newest seq stored (0 for an empty table): where a client's catch-up starts. */
const HEAD_SEQ = 'SELECT coalesce(max(seq), 0)::text AS head FROM chat_messages';

// Per conversation I am a current member of (plus `all`, which everyone reads): a forward range
// scan of chat_messages_conversation_seq from the client's start (closed range, see history.ts),
// filtered to messages from others that I have no `read` row for (one probe of
// message_receipts' unique index each), with whether my `delivered` row is there. Messages I got
// live and read drop out; one whose receipt is still on its way comes back and is de-duplicated
// by (sender, message id) in the client. Rooms I left are not read (their later messages are
// not mine to see). prev_seq as the server delivers it (one backward probe of the same index):
// it lets the client's seq memory cover the gap before each caught-up message too.
const MISSED_MESSAGES = `WITH mine AS (
	SELECT conversation_id FROM conversation_members
	WHERE user_id = $1 AND left_at IS NULL AND conversation_id <> '${BROADCAST_ID}'
	UNION ALL SELECT '${BROADCAST_ID}'
)
SELECT m.* FROM mine c CROSS JOIN LATERAL (
	SELECT m.message_id, m.seq::text AS seq, m.sender_id, m.sender_name, m.receiver_id,
		m.conversation_id, m.content, m.created_at, m.message_type, ${ACTION_COLUMNS},
		EXISTS (SELECT 1 FROM message_receipts s WHERE s.message_id = m.message_id AND s.sender_id = m.sender_id
			AND s.user_id = $1 AND s.status = 'delivered') AS has_delivered,
		coalesce((SELECT max(p.seq) FROM chat_messages p WHERE p.conversation_id = m.conversation_id AND p.seq < m.seq), 0)::text AS prev_seq
	FROM chat_messages m
	WHERE m.conversation_id >= c.conversation_id AND m.conversation_id <= c.conversation_id
		AND m.seq > $2 AND m.sender_id <> $1
		AND NOT EXISTS (SELECT 1 FROM message_receipts s WHERE s.message_id = m.message_id AND s.sender_id = m.sender_id
			AND s.user_id = $1 AND s.status = 'read')
	ORDER BY m.conversation_id, m.seq LIMIT $3
) AS m
ORDER BY m.seq::bigint LIMIT $3`;

// My messages since the start (chat_messages_sender_seq), with their delivered/read rows.
// Delivered and read are stored rows only: both statements read message_receipts, not the
// message_status view, whose branches derived from chat_messages row-level security keeps in
// the plan (see history.ts FURTHEST_OWN).
const RECEIPTS_ON_MINE = `SELECT s.message_id, s.sender_id, s.status, s.user_id, s.timestamp
FROM chat_messages m JOIN message_receipts s ON s.message_id = m.message_id AND s.sender_id = m.sender_id
WHERE m.sender_id = $1 AND m.seq > $2 AND s.status IN ('delivered', 'read')
ORDER BY s.timestamp, s.id LIMIT $3`;

/** The catch-up statements by name, for EXPLAIN checks. */
export const CATCH_UP_QUERIES = {head: HEAD_SEQ, missed: MISSED_MESSAGES, receipts: RECEIPTS_ON_MINE} as const;

/**
 * The newest `chat_messages.seq` (0 when empty).
 * @throws the driver's error.
 */
export async function loadHeadSeq(db: Db): Promise<number> {
	const {rows} = await db.query<{head: string}>(HEAD_SEQ);
	return Number(rows[0]?.head ?? 0);
}

/** A message to me without my `read` row, and whether my `delivered` row is stored. */
export interface UnreceiptedMessage {
	/** `status` is `sent` (someone else's message); `seq`/`createdAt` are the stored ones. */
	message: ChatMessage;
	isDeliveredStored: boolean;
	/** The seq of the previous message of its conversation (0 for its first), as protocol `prev_seq`. */
	prevSeq: number;
}

/**
 * Messages of others (text and system lines, with their reply quote, edit, delete and reactions
 * as history pages read them) stored after `afterSeq` in the conversations
 * `userId` is a current member of (direct, rooms) and in `all`, that have no `read` row of
 * `userId` (so possibly missed, or receipted in a publish that was lost), oldest first, at most
 * `limit` (1…1000).
 * @throws the driver's error.
 */
export async function loadUnreceiptedMessages(db: Db, userId: string, afterSeq: number, limit = 500): Promise<UnreceiptedMessage[]> {
	const {rows} = await db.query<ActionColumns & {
		message_id: string;
		seq: string;
		sender_id: string;
		sender_name: string;
		receiver_id: string;
		conversation_id: string;
		content: string;
		created_at: Date;
		message_type: string;
		has_delivered: boolean;
		prev_seq: string;
	}>(MISSED_MESSAGES, [userId, afterSeq, clamp(limit)]);
	return rows.map((row) => ({
		message: {
			messageId: row.message_id,
			seq: Number(row.seq),
			senderId: row.sender_id,
			senderName: row.sender_name,
			receiverId: row.receiver_id,
			conversationId: row.conversation_id,
			messageType: row.message_type === 'system' ? 'system' : 'text',
			content: row.content,
			createdAt: row.created_at.getTime(),
			status: 'sent',
			...actionFields(row),
		},
		isDeliveredStored: row.has_delivered,
		prevSeq: Number(row.prev_seq),
	}));
}

/**
 * The delivered/read rows of `userId`'s messages stored after `afterSeq`, oldest first, at
 * most `limit` (1…5000).
 * @throws the driver's error.
 */
export async function loadReceiptsOnMine(db: Db, userId: string, afterSeq: number, limit = 2_000): Promise<Receipt[]> {
	const {rows} = await db.query<{message_id: string; sender_id: string; status: string; user_id: string; timestamp: Date}>(RECEIPTS_ON_MINE, [
		userId,
		afterSeq,
		Math.min(5_000, Math.max(1, Math.floor(limit))),
	]);
	return rows.map((row) => ({
		messageId: row.message_id,
		senderId: row.sender_id,
		status: (STATUS_FLOW as readonly string[]).includes(row.status) ? (row.status as DeliveryStatus) : 'delivered',
		userId: row.user_id,
		at: row.timestamp.getTime(),
	}));
}

function clamp(limit: number): number {
	return Math.min(1_000, Math.max(1, Math.floor(limit) || 1));
}
