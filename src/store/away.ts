// The "while you were away" summary (issue 10, outcome 7): my conversations with unread messages
// from others, mentions first. May import pg (via db.ts), protocol/ and core/types.
import {UNREAD_COUNT_CAP, type AwayEntry, type AwaySummary, type ConversationKind} from '../core/types.js';
import {BROADCAST_ID} from '../protocol/index.js';
import type {Db} from './db.js';

/** Most conversations the summary lists (one screen). */
export const MAX_AWAY_ENTRIES = 50;

// My conversations as the list has them (current member rows, and `all` with marker 0 when I have
// no row there yet). Per conversation, every probe is a range of chat_messages_conversation_seq
// after my read marker (closed range instead of `=`, see history.ts): the unread rows from others,
// capped (count, mentions of me and senders are counted over those), the first one, and the
// newest one (for the order). Mentions: the ingester's `mentions` column (migration 007). `total`
// (a window over every row before the LIMIT, which the sort had to read anyway): how many
// conversations have unread, so the screen can say "50 of 130".
const AWAY_SUMMARY = `
WITH mine AS (
	SELECT conversation_id, last_read_seq
	FROM conversation_members WHERE user_id = $1 AND (left_at IS NULL OR conversation_id = '${BROADCAST_ID}')
	UNION ALL
	SELECT '${BROADCAST_ID}', 0
	WHERE NOT EXISTS (SELECT 1 FROM conversation_members WHERE user_id = $1 AND conversation_id = '${BROADCAST_ID}')
)
SELECT c.id AS conversation_id, c.kind,
	CASE WHEN c.kind = 'broadcast' THEN 'everyone'
		WHEN c.kind = 'direct' THEN coalesce(pu.display_name, peer.id)
		ELSE c.title END AS title,
	counted.unread, counted.mentions, counted.senders,
	first.seq::text AS first_seq, first.message_id AS first_message_id, first.sender_id AS first_sender_id,
	coalesce(fu.display_name, first.sender_name) AS first_sender_name, first.content AS first_content, first.created_at AS first_created_at,
	first.message_type AS first_message_type, first.deleted_at IS NOT NULL AS first_is_deleted,
	newest.created_at AS newest_at,
	count(*) OVER ()::int AS total
FROM mine
JOIN conversations c ON c.id = mine.conversation_id
LEFT JOIN LATERAL (SELECT CASE WHEN split_part(c.id, ':', 1) = $1 THEN split_part(c.id, ':', 2)
	ELSE split_part(c.id, ':', 1) END AS id) AS peer ON c.kind = 'direct'
LEFT JOIN chat_users pu ON pu.user_id = peer.id
CROSS JOIN LATERAL (
	SELECT count(*)::int AS unread,
		count(*) FILTER (WHERE $1 = ANY (x.mentions))::int AS mentions,
		(SELECT array_agg(s.name ORDER BY s.n DESC, s.name) FROM (
			SELECT coalesce(su.display_name, max(y.sender_name)) AS name, count(*) AS n
			FROM unnest(array_agg(x.sender_id), array_agg(x.sender_name)) AS y (sender_id, sender_name)
			LEFT JOIN chat_users su ON su.user_id = y.sender_id
			GROUP BY y.sender_id, su.display_name) AS s) AS senders
	FROM (
		SELECT x.sender_id, x.sender_name, x.mentions FROM chat_messages x
		WHERE x.conversation_id >= c.id AND x.conversation_id <= c.id
			AND x.seq > mine.last_read_seq AND x.sender_id <> $1
		ORDER BY x.conversation_id, x.seq
		LIMIT ${UNREAD_COUNT_CAP}) AS x
) AS counted
CROSS JOIN LATERAL (
	SELECT x.seq, x.message_id, x.sender_id, x.sender_name, x.content, x.created_at, x.message_type, x.deleted_at FROM chat_messages x
	WHERE x.conversation_id >= c.id AND x.conversation_id <= c.id
		AND x.seq > mine.last_read_seq AND x.sender_id <> $1
	ORDER BY x.conversation_id, x.seq LIMIT 1
) AS first
CROSS JOIN LATERAL (
	SELECT x.created_at FROM chat_messages x
	WHERE x.conversation_id >= c.id AND x.conversation_id <= c.id
		AND x.seq > mine.last_read_seq AND x.sender_id <> $1
	ORDER BY x.conversation_id DESC, x.seq DESC LIMIT 1
) AS newest
LEFT JOIN chat_users fu ON fu.user_id = first.sender_id
ORDER BY counted.mentions > 0 DESC, newest.created_at DESC, c.id
LIMIT $2`;

interface AwayRow {
	conversation_id: string;
	kind: string;
	title: string | null;
	unread: number;
	mentions: number;
	senders: string[] | null;
	first_seq: string;
	first_message_id: string;
	first_sender_id: string;
	first_sender_name: string;
	first_content: string;
	first_created_at: Date;
	first_message_type: string;
	first_is_deleted: boolean;
	total: number;
}

/**
 * The "while you were away" summary for `userId`: every conversation of theirs (as the list
 * shows them) with messages from others after their read marker — unread count (capped at
 * {@link UNREAD_COUNT_CAP}), how many of those mention them (`chat_messages.mentions`), the first
 * unread message, and the senders, most active first — ordered conversations with mentions
 * first, then by the newest unread message; at most `limit` (default {@link MAX_AWAY_ENTRIES}),
 * with `total` the number of such conversations in all. Titles, names and content are untrusted.
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function loadAwaySummary(db: Db, userId: string, limit = MAX_AWAY_ENTRIES): Promise<AwaySummary> {
	const result = await db.query<AwayRow>(AWAY_SUMMARY, [userId, limit]);
	const entries = result.rows.map((row): AwayEntry => ({
		conversationId: row.conversation_id,
		title: row.title ?? row.conversation_id,
		kind: row.kind as ConversationKind,
		unread: row.unread,
		mentions: row.mentions,
		firstUnread: {
			seq: Number(row.first_seq),
			messageId: row.first_message_id,
			senderId: row.first_sender_id,
			senderName: row.first_sender_name,
			content: row.first_content,
			createdAt: row.first_created_at.getTime(),
			messageType: row.first_message_type === 'system' ? 'system' : 'text',
			isDeleted: row.first_is_deleted,
		},
		senders: row.senders ?? [],
	}));
	return {entries, total: result.rows[0]?.total ?? 0};
}

/** The summary statement (`$1` user id, `$2` limit), for EXPLAIN checks. */
export const AWAY_SUMMARY_QUERY = AWAY_SUMMARY;
