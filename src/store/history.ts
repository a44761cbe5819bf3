// Read queries for the chat client: history pages (keyset on seq), my recent messages and
// their receipts. May import pg (via db.ts), protocol/ and core/types. The ingester writes; this reads.
import type {ChatMessage, Receipt} from '../core/types.js';
import {BROADCAST_ID, STATUS_FLOW, type DeliveryStatus} from '../protocol/index.js';
import type {Db} from './db.js';
import {ACTION_COLUMNS, actionFields, type ActionColumns} from './history-actions.js';

// The tick state of message `m` as its sender sees it (rooms contract: per-member receipts).
// Direct and group: `read` / `delivered` once every current member other than the sender who had
// joined when the message was stored has a `read` / (`delivered` or `read`) row — one probe of
// conversation_members_current plus one of message_receipts' (message_id, status, user_id,
// sender_id) unique index per member; otherwise the furthest of its own `sent` /
// `received_by_server` rows. Broadcast (`all`, "everyone"): the furthest row of anyone, as in
// protocol 1. NULL when the message has no status row at all.
// These read message_receipts and the message row itself, not the message_status view (migration
// 008): under row-level security the planner keeps the view's two branches derived from
// chat_messages in every probe even for `status IN ('delivered', 'read')` (the policy quals stop
// the pruning), a member's page cost ~11 ms per message shown (issue 12). The view's derived rows
// are the message's own columns: `sent` at sent_at and `received_by_server` at created_at, both
// about the sender, for every message with a sent_at (stored since 008); older messages keep
// their stored sent/received_by_server rows in message_receipts. So the fallback is
// `received_by_server` outright for a message with a sent_at outside `all` (no probe), else the
// furthest of the stored rows and, with a sent_at, the derived `received_by_server`.
const FURTHEST_OWN = `CASE WHEN m.sent_at IS NOT NULL AND m.conversation_id <> '${BROADCAST_ID}' THEN 'received_by_server'
	ELSE (SELECT own.status FROM (
			SELECT s.status FROM message_receipts s
			WHERE s.message_id = m.message_id AND s.sender_id = m.sender_id
				AND (m.conversation_id = '${BROADCAST_ID}' OR s.status IN ('sent', 'received_by_server'))
			UNION ALL SELECT 'received_by_server' WHERE m.sent_at IS NOT NULL) AS own
		ORDER BY array_position(ARRAY['${STATUS_FLOW.join("','")}']::text[], own.status::text) DESC LIMIT 1) END`;
const RECEIPT_RANK = `coalesce((SELECT max(CASE WHEN s.status = 'read' THEN 2 ELSE 1 END) FROM message_receipts s
			WHERE s.message_id = m.message_id AND s.sender_id = m.sender_id AND s.user_id = cm.user_id AND s.status IN ('delivered', 'read')), 0)`;
const MEMBERS_STATUS = `(SELECT CASE WHEN count(*) = 0 THEN NULL
			WHEN bool_and(r.receipt = 2) THEN 'read'
			WHEN bool_and(r.receipt >= 1) THEN 'delivered' END
		FROM (SELECT ${RECEIPT_RANK} AS receipt
			FROM conversation_members cm
			WHERE cm.conversation_id = m.conversation_id AND cm.left_at IS NULL
				AND cm.user_id <> m.sender_id AND cm.joined_at <= m.created_at
			-- OFFSET 0 keeps the planner from pulling the subquery up, which copied the probe
			-- into each bool_and and ran it twice per member.
			OFFSET 0) AS r)`;

/** SQL expression (alias `m`: a chat_messages row, or its message_id, sender_id, conversation_id, created_at and sent_at): the message's aggregated status, see above. */
export const MESSAGE_STATUS = `coalesce(CASE WHEN m.conversation_id <> '${BROADCAST_ID}' THEN ${MEMBERS_STATUS} END, ${FURTHEST_OWN})`;

/**
 * The status column of a page read by `viewer` (an SQL parameter such as `$3`): the per-member
 * aggregate only for the viewer's own messages, the only ones whose ticks are shown; others'
 * messages get their own furthest sent/received_by_server row (one index probe, not one per
 * member: in a room of 50 the aggregate made a page ~4.5× slower than a direct chat's).
 */
const viewerStatus = (viewer: string) => `coalesce(CASE WHEN m.sender_id = ${viewer} AND m.conversation_id <> '${BROADCAST_ID}' THEN ${MEMBERS_STATUS} END, ${FURTHEST_OWN})`;

/** Columns of a page (`viewer`: the SQL parameter holding the reader's user id, see {@link viewerStatus}); exported for search and away. */
export const messageColumns = (viewer: string) => `m.message_id, m.seq, m.sender_id, m.sender_name, m.receiver_id, m.conversation_id,
	m.content, m.created_at, m.message_type, ${viewerStatus(viewer)} AS status, ${ACTION_COLUMNS}`;
/** Columns of my own messages (`/status`): the aggregate for every row. */
const MESSAGE_COLUMNS = `m.message_id, m.seq, m.sender_id, m.sender_name, m.receiver_id, m.conversation_id,
	m.content, m.created_at, m.message_type, ${MESSAGE_STATUS} AS status, ${ACTION_COLUMNS}`;

// Pages are backward scans of chat_messages_conversation_seq (conversation_id, seq), newest
// first. Why `conversation_id >= $1 AND conversation_id <= $1 ORDER BY conversation_id, seq`
// and not `= $1 ORDER BY seq`: with `=` the planner drops conversation_id from the sort key and
// may walk the unique index on seq instead, filtering out every newer message of every other
// conversation (measured: 20-60 ms and 101,000 rows removed for an older conversation in a
// 201,000-row table, against 0.1 ms for the range form, which only this index can serve in order).
const IN_CONVERSATION = 'm.conversation_id >= $1 AND m.conversation_id <= $1';
const NEWEST_FIRST = 'ORDER BY m.conversation_id DESC, m.seq DESC';

const LATEST_PAGE = `SELECT ${messageColumns('$3')} FROM chat_messages m
WHERE ${IN_CONVERSATION} ${NEWEST_FIRST} LIMIT $2`;

const OLDER_PAGE = `SELECT ${messageColumns('$4')} FROM chat_messages m
WHERE ${IN_CONVERSATION} AND m.seq < $2 ${NEWEST_FIRST} LIMIT $3`;

// A date becomes a seq first: the last message stored before it is the first row of a backward
// scan of chat_messages_conversation_created_at (migration 002), and the page is then the same
// keyset read as OLDER_PAGE (`seq <=` it), so `/history --before` and the older pages after it
// are one contiguous run of seq. Filtering the seq scan by date instead read every newer row
// first (measured: 11.5 ms and 50,001 rows removed for a date half-way into 100,000 messages,
// against 0.2 ms here). Storage time grows with seq (rows get now() as they are stored), except
// within the few ms two ingester batches overlap; there the page follows seq.
const LAST_SEQ_BEFORE_DATE = `SELECT b.seq FROM chat_messages b
WHERE b.conversation_id = $1 AND b.created_at < $2 ORDER BY b.created_at DESC, b.seq DESC LIMIT 1`;

const PAGE_BEFORE_DATE = `SELECT ${messageColumns('$4')} FROM chat_messages m
WHERE ${IN_CONVERSATION} AND m.seq <= (${LAST_SEQ_BEFORE_DATE}) ${NEWEST_FIRST} LIMIT $3`;

// Whether the conversation has messages after a page (the gap `/history --before` leaves): one
// forward probe of chat_messages_conversation_seq.
const HAS_NEWER = `SELECT EXISTS (SELECT 1 FROM chat_messages m
WHERE ${IN_CONVERSATION} AND m.seq > $2) AS newer`;

// The page around one message (jump to a reply's original, open a search hit): a backward scan
// from it (it included) and a forward scan after it, both of chat_messages_conversation_seq.
const AROUND_OLDER = `SELECT ${messageColumns('$4')} FROM chat_messages m
WHERE ${IN_CONVERSATION} AND m.seq <= $2 ${NEWEST_FIRST} LIMIT $3`;
const AROUND_NEWER = `SELECT ${messageColumns('$4')} FROM chat_messages m
WHERE ${IN_CONVERSATION} AND m.seq > $2 ORDER BY m.conversation_id, m.seq LIMIT $3`;

const RECENT_SENT_BY = `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m
WHERE m.sender_id = $1 ORDER BY m.seq DESC LIMIT $2`;

// Every transition, the derived sent/received_by_server included, so these two read the
// message_status view: its quals reach every branch as index conditions (one probe of each per
// statement, not per message shown), as the owner and as a member alike.
const STATUSES_OF = `SELECT message_id, sender_id, status, user_id, timestamp FROM message_status
WHERE message_id = ANY($1::text[]) ORDER BY timestamp, id`;

// One message's rows (message_receipts' unique index and chat_messages' (message_id, sender_id) key).
const STATUSES_OF_ONE = `SELECT message_id, sender_id, status, user_id, timestamp FROM message_status
WHERE message_id = $1 AND sender_id = $2 ORDER BY timestamp, id`;

// Per member of the message's conversation (current members other than the sender who had joined
// when it was stored; for `all`: whoever receipted it): when they got it and read it. Only
// delivered/read rows, so message_receipts rather than the view (see FURTHEST_OWN).
const MEMBER_RECEIPTS = `WITH msg AS (
	SELECT message_id, sender_id, conversation_id, created_at FROM chat_messages WHERE message_id = $1 AND sender_id = $2
), who AS (
	SELECT cm.user_id FROM msg JOIN conversation_members cm ON cm.conversation_id = msg.conversation_id
	WHERE msg.conversation_id <> '${BROADCAST_ID}' AND cm.left_at IS NULL AND cm.user_id <> msg.sender_id AND cm.joined_at <= msg.created_at
	UNION
	SELECT s.user_id FROM msg JOIN message_receipts s ON s.message_id = msg.message_id AND s.sender_id = msg.sender_id
	WHERE msg.conversation_id = '${BROADCAST_ID}' AND s.status IN ('delivered', 'read')
)
SELECT who.user_id, coalesce(u.display_name, who.user_id) AS name,
	(SELECT min(s.timestamp) FROM message_receipts s WHERE s.message_id = $1 AND s.sender_id = $2 AND s.user_id = who.user_id AND s.status IN ('delivered', 'read')) AS delivered_at,
	(SELECT s.timestamp FROM message_receipts s WHERE s.message_id = $1 AND s.sender_id = $2 AND s.user_id = who.user_id AND s.status = 'read') AS read_at
FROM who LEFT JOIN chat_users u ON u.user_id = who.user_id
ORDER BY read_at NULLS LAST, delivered_at NULLS LAST, who.user_id`;

/** The page statements by name, for EXPLAIN checks (tests, benchmarks). */
export const PAGE_QUERIES = {latest: LATEST_PAGE, older: OLDER_PAGE, beforeDate: PAGE_BEFORE_DATE, aroundOlder: AROUND_OLDER, aroundNewer: AROUND_NEWER} as const;

/**
 * One stored message: a core ChatMessage with its `seq`, `messageType` (`system` lines too),
 * `createdAt` the server storage time (`chat_messages.created_at`, ms) and `status` the
 * aggregated tick state ({@link MESSAGE_STATUS}; `sent` when it has no status row).
 */
export type StoredMessage = Omit<ChatMessage, 'seq' | 'status'> & {seq: number; status: DeliveryStatus};

/** One `message_status` row; `userId` is the sender for sent/received_by_server, the reader otherwise. */
export type StoredReceipt = Receipt;

/** A page of history, oldest first. */
export interface HistoryPage {
	messages: StoredMessage[];
	/** Whether older messages exist before `messages[0]`. */
	hasMore: boolean;
	/** Pages before a date only: whether newer messages exist after the page's last one. */
	hasNewer?: boolean;
}

/** One of my messages with every status row it has, for `/status`. */
export interface MessageWithReceipts {
	message: StoredMessage;
	/** Oldest first. */
	receipts: StoredReceipt[];
}

/** A page row as read with {@link messageColumns}. */
export interface MessageRow extends ActionColumns {
	message_id: string;
	seq: string;
	sender_id: string;
	sender_name: string;
	receiver_id: string;
	conversation_id: string;
	content: string;
	created_at: Date;
	message_type: string;
	status: string | null;
}

interface StatusRow {
	message_id: string;
	sender_id: string;
	status: string;
	user_id: string;
	timestamp: Date;
}

/**
 * The newest `limit` messages of a conversation as `viewerId` sees them (the aggregated tick state
 * on the viewer's own messages only; '' = nobody's).
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function loadLatestPage(db: Db, conversationId: string, limit: number, viewerId = ''): Promise<HistoryPage> {
	return page(db, LATEST_PAGE, [conversationId], limit, [viewerId]);
}

/**
 * The `limit` messages stored just before `beforeSeq` (keyset pagination: `seq < beforeSeq`).
 * @throws the driver's error.
 */
export async function loadOlderPage(db: Db, conversationId: string, beforeSeq: number, limit: number, viewerId = ''): Promise<HistoryPage> {
	return page(db, OLDER_PAGE, [conversationId, beforeSeq], limit, [viewerId]);
}

/**
 * The `limit` messages stored before `before` (for `/history --before`), and `hasNewer`:
 * whether messages were stored after them (the thread then shows a gap until End).
 * @throws the driver's error.
 */
export async function loadPageBefore(db: Db, conversationId: string, before: Date, limit: number, viewerId = ''): Promise<HistoryPage> {
	const loaded = await page(db, PAGE_BEFORE_DATE, [conversationId, before], limit, [viewerId]);
	const last = loaded.messages.at(-1);
	// No message before the date: the whole conversation is newer than the (empty) page.
	const {rows} = await db.query<{newer: boolean}>(HAS_NEWER, [conversationId, last?.seq ?? 0]);
	return {...loaded, hasNewer: rows[0]?.newer === true};
}

/**
 * The page around message `seq` (which need not exist): `limit` messages, about half up to and
 * including it and the rest after it — fewer after it near the end (or before it near the
 * start) are made up from the other side — oldest first, with `hasMore` (older ones exist) and
 * `hasNewer` (newer ones exist past the page: the thread shows a gap until End).
 * @throws the driver's error.
 */
export async function loadAroundPage(db: Db, conversationId: string, seq: number, limit: number, viewerId = ''): Promise<HistoryPage> {
	const size = clampLimit(limit);
	// Up to a whole page each way (+1 to know whether more exist), then the window is chosen.
	const older = (await db.query<MessageRow>(AROUND_OLDER, [conversationId, seq, size + 1, viewerId])).rows;
	const newer = (await db.query<MessageRow>(AROUND_NEWER, [conversationId, seq, size + 1, viewerId])).rows;
	const newerTake = Math.min(newer.length, size - Math.min(older.length, Math.ceil(size / 2)));
	const olderTake = Math.min(older.length, size - newerTake);
	return {
		messages: [...older.slice(0, olderTake).reverse(), ...newer.slice(0, newerTake)].map(toStoredMessage),
		hasMore: older.length > olderTake,
		hasNewer: newer.length > newerTake,
	};
}

/**
 * My `limit` most recent stored messages, newest first, each with all its status rows.
 * @throws the driver's error.
 */
export async function loadRecentSent(db: Db, userId: string, limit: number): Promise<MessageWithReceipts[]> {
	const {rows} = await db.query<MessageRow>(RECENT_SENT_BY, [userId, clampLimit(limit)]);
	const messages = rows.map(toStoredMessage);
	const receipts = await loadReceipts(db, messages.map((m) => m.messageId));
	return messages.map((message) => ({
		message,
		receipts: receipts.filter((r) => r.messageId === message.messageId && r.senderId === message.senderId),
	}));
}

/**
 * Every status row of the given messages, oldest first.
 * @throws the driver's error.
 */
export async function loadReceipts(db: Db, messageIds: readonly string[]): Promise<StoredReceipt[]> {
	if (messageIds.length === 0) return [];
	const {rows} = await db.query<StatusRow>(STATUSES_OF, [messageIds]);
	return rows.map(toReceipt);
}

/**
 * Every status row of one message (`senderId`, `messageId`), oldest first (for message info).
 * @throws the driver's error.
 */
export async function loadMessageReceipts(db: Db, senderId: string, messageId: string): Promise<StoredReceipt[]> {
	const {rows} = await db.query<StatusRow>(STATUSES_OF_ONE, [messageId, senderId]);
	return rows.map(toReceipt);
}

/** One member's receipts of one message: times in ms, undefined while missing. */
export interface MemberReceipt {
	userId: string;
	/** Display name (untrusted), their id when never seen. */
	name: string;
	deliveredAt?: number;
	readAt?: number;
}

/**
 * Per member, when they got and read message (`senderId`, `messageId`): the current members of
 * its conversation other than the sender who had joined when it was stored (the members its
 * ticks wait for), readers first; for `all`, whoever receipted it. [] for an unknown message.
 * @throws the driver's error.
 */
export async function loadMemberReceipts(db: Db, senderId: string, messageId: string): Promise<MemberReceipt[]> {
	const {rows} = await db.query<{user_id: string; name: string; delivered_at: Date | null; read_at: Date | null}>(MEMBER_RECEIPTS, [messageId, senderId]);
	return rows.map((row) => ({
		userId: row.user_id,
		name: row.name,
		...(row.delivered_at ? {deliveredAt: row.delivered_at.getTime()} : {}),
		...(row.read_at ? {readAt: row.read_at.getTime()} : {}),
	}));
}

function toReceipt(row: StatusRow): StoredReceipt {
	return {messageId: row.message_id, senderId: row.sender_id, status: toStatus(row.status), userId: row.user_id, at: row.timestamp.getTime()};
}

/** Page sizes are 1…1000 rows. */
function clampLimit(limit: number): number {
	return Math.min(1_000, Math.max(1, Math.floor(limit) || 1));
}

async function page(db: Db, sql: string, params: unknown[], limit: number, after: unknown[] = []): Promise<HistoryPage> {
	const size = clampLimit(limit);
	// One row more than asked tells whether an older page exists.
	const {rows} = await db.query<MessageRow>(sql, [...params, size + 1, ...after]);
	const hasMore = rows.length > size;
	return {messages: rows.slice(0, size).reverse().map(toStoredMessage), hasMore};
}

/** A page row as a {@link StoredMessage}. */
export function toStoredMessage(row: MessageRow): StoredMessage {
	return {
		messageId: row.message_id,
		seq: Number(row.seq),
		senderId: row.sender_id,
		senderName: row.sender_name,
		receiverId: row.receiver_id,
		conversationId: row.conversation_id,
		messageType: row.message_type === 'system' ? 'system' : 'text',
		content: row.content,
		createdAt: row.created_at.getTime(),
		status: row.status === null ? 'sent' : toStatus(row.status),
		...actionFields(row),
	};
}

/** A stored status name as a DeliveryStatus (`sent` for anything unknown). */
export function toStatus(value: string): DeliveryStatus {
	return (STATUS_FLOW as readonly string[]).includes(value) ? (value as DeliveryStatus) : 'sent';
}
