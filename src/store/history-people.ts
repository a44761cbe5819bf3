// Read queries about people and conversations: the conversation list with unread counts,
// known users, stored presence. May import pg (via db.ts), protocol/ and core/types.
import {UNREAD_COUNT_CAP, type ConversationSummary, type KnownUser, type Presence} from '../core/types.js';
import {BROADCAST_ID, PRESENCE_STATES, type PresenceState} from '../protocol/index.js';
import type {Db} from './db.js';

export {UNREAD_COUNT_CAP};

/** Display name of the broadcast conversation's "peer". */
export const BROADCAST_PEER_NAME = 'everyone';

// My rows of conversation_members, plus the broadcast conversation with read marker 0 when I
// have no row for it yet. Unread: others' messages after my marker, capped (a range scan of
// chat_messages_conversation_seq). Last message: one backward probe of the same index. Both use
// a closed range instead of `=` so the planner cannot pick the seq index (see history.ts; the
// LATERAL probe did pick it in a test with 120,000 rows).
const CONVERSATIONS_OF = `
WITH mine AS (
	SELECT conversation_id, peer_id, last_read_seq, last_message_at
	FROM conversation_members WHERE user_id = $1
	UNION ALL
	SELECT '${BROADCAST_ID}', '${BROADCAST_ID}', 0, NULL
	WHERE NOT EXISTS (
		SELECT 1 FROM conversation_members WHERE user_id = $1 AND conversation_id = '${BROADCAST_ID}')
)
SELECT c.conversation_id, c.peer_id,
	CASE WHEN c.peer_id = '${BROADCAST_ID}' THEN '${BROADCAST_PEER_NAME}'
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

/** The conversation list statement (`$1` user id, `$2` limit), for EXPLAIN checks. */
export const CONVERSATIONS_QUERY = CONVERSATIONS_OF;

// People by part of their id or name (LIKE metacharacters escaped by the caller): prefix matches
// first, then the most recently seen. chat_users is one row per person, so a scan is cheap here.
const SEARCH_USERS = `SELECT user_id, display_name FROM chat_users
WHERE user_id ILIKE $1 OR display_name ILIKE $1
ORDER BY (user_id ILIKE $2 OR display_name ILIKE $2) DESC, last_seen_at DESC, user_id
LIMIT $3`;

const IS_KNOWN_USER = 'SELECT EXISTS (SELECT 1 FROM chat_users WHERE user_id = $1) AS known';

const PRESENCES_OF = `SELECT user_id, display_name, presence, status_message, last_seen_at
FROM chat_users WHERE user_id = ANY($1::text[])`;

/**
 * One row of a user's conversation list: peerName is {@link BROADCAST_PEER_NAME} for `all` and
 * the id for someone never seen; unread stops at {@link UNREAD_COUNT_CAP}.
 */
export type ConversationRow = ConversationSummary;

/** A user's stored presence; `at` is `last_seen_at` in ms. */
export type StoredPresence = Presence;

interface ConversationDbRow {
	conversation_id: string;
	peer_id: string;
	peer_name: string;
	unread: number;
	last_sender_id: string | null;
	last_content: string | null;
	last_created_at: Date | null;
	last_activity_at: Date | null;
}

interface PresenceDbRow {
	user_id: string;
	display_name: string;
	presence: string;
	status_message: string;
	last_seen_at: Date;
}

/**
 * The conversations of `userId` (always including the broadcast `all`), most recently
 * active first, at most `limit` (default 500).
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function loadConversations(db: Db, userId: string, limit = 500): Promise<ConversationRow[]> {
	const {rows} = await db.query<ConversationDbRow>(CONVERSATIONS_OF, [userId, limit]);
	return rows.map((row) => ({
		conversationId: row.conversation_id,
		peerId: row.peer_id,
		peerName: row.peer_name,
		unread: row.unread,
		...(row.last_created_at && row.last_sender_id !== null && row.last_content !== null
			? {lastMessage: {senderId: row.last_sender_id, content: row.last_content, createdAt: row.last_created_at.getTime()}}
			: {}),
		lastActivityAt: row.last_activity_at?.getTime() ?? 0,
	}));
}

/**
 * People the server knows (`chat_users`) whose id or display name contains `query`
 * (case-insensitive, taken literally: `%` and `_` match themselves), prefix matches first, then
 * the most recently seen; '' lists the most recently seen. At most `limit` (1…500).
 * @throws the driver's error.
 */
export async function searchUsers(db: Db, query: string, limit: number): Promise<KnownUser[]> {
	const literal = query.trim().replace(/[\\%_]/g, (c) => `\\${c}`);
	const size = Math.min(500, Math.max(1, Math.floor(limit) || 1));
	const {rows} = await db.query<{user_id: string; display_name: string}>(SEARCH_USERS, [`%${literal}%`, `${literal}%`, size]);
	return rows.map((row) => ({userId: row.user_id, name: row.display_name}));
}

/**
 * Whether `userId` has ever been seen by the ingester (a row in chat_users).
 * @throws the driver's error.
 */
export async function isKnownUser(db: Db, userId: string): Promise<boolean> {
	const {rows} = await db.query<{known: boolean}>(IS_KNOWN_USER, [userId]);
	return rows[0]?.known === true;
}

/**
 * Stored presence and last seen of the given users (unknown ids are left out).
 * @throws the driver's error.
 */
export async function loadPresences(db: Db, userIds: readonly string[]): Promise<StoredPresence[]> {
	if (userIds.length === 0) return [];
	const {rows} = await db.query<PresenceDbRow>(PRESENCES_OF, [userIds]);
	return rows.map((row) => ({
		userId: row.user_id,
		name: row.display_name,
		state: (PRESENCE_STATES as readonly string[]).includes(row.presence) ? (row.presence as PresenceState) : 'offline',
		statusMessage: row.status_message,
		at: row.last_seen_at.getTime(),
	}));
}
