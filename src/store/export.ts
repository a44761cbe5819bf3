// Export (issue 10, outcome 8): a user's conversations read page by page for `hermes-chat export`.
// May import pg (via db.ts) and protocol/ only.
// topics.js, not index.js: EXPORT_COLUMNS is shown by `export --help`, which should not load zod.
import {BROADCAST_ID} from '../protocol/topics.js';
import type {Db} from './db.js';

/** Messages read per round trip. */
export const EXPORT_PAGE_SIZE = 1_000;

// The conversations `$1` is a current member of, plus the broadcast (everyone reads it);
// `$2` narrows to one. Titles as an operator reads them: the room's title, `everyone`, the pair id.
const CONVERSATIONS_OF = `SELECT c.id, c.kind,
	CASE WHEN c.kind = 'group' THEN c.title WHEN c.kind = 'broadcast' THEN 'everyone' ELSE c.id END AS title
FROM conversations c
WHERE c.id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1 AND left_at IS NULL UNION SELECT '${BROADCAST_ID}')
	AND ($2::text IS NULL OR c.id = $2)
ORDER BY c.id`;

// Keyset pages of one conversation in storage order: a forward range scan of
// chat_messages_conversation_seq (closed range, see history.ts), never one giant result.
const PAGE_AFTER = `SELECT m.seq::text AS seq, m.message_id, m.sender_id, m.sender_name, m.created_at, m.message_type, m.content, m.mentions,
	m.reply_to_message_id, m.reply_to_sender_id, m.edited_at, m.deleted_at
FROM chat_messages m
WHERE m.conversation_id >= $1 AND m.conversation_id <= $1 AND m.seq > $2
ORDER BY m.conversation_id, m.seq LIMIT $3`;

/** One exported message. Text fields are the stored, untrusted text. */
export interface ExportRow {
	conversation_id: string;
	conversation_kind: string;
	conversation_title: string;
	seq: number;
	message_id: string;
	sender_id: string;
	sender_name: string;
	/** Storage time, ISO 8601 UTC. */
	created_at: string;
	message_type: string;
	/** '' for a deleted message. */
	content: string;
	/** User ids the message mentions (empty when none or unknown). */
	mentions: string[];
	/** The message this one replies to (its sender-scoped id and sender), or null. */
	reply_to_message_id: string | null;
	reply_to_sender_id: string | null;
	/** When the text was last edited, ISO 8601 UTC, or null (earlier versions are not exported). */
	edited_at: string | null;
	/** When it was deleted (content is then ''), ISO 8601 UTC, or null. */
	deleted_at: string | null;
}

/** The columns of {@link ExportRow}, in export order (the CSV header). */
export const EXPORT_COLUMNS = [
	'conversation_id', 'conversation_kind', 'conversation_title', 'seq', 'message_id', 'sender_id', 'sender_name',
	'created_at', 'message_type', 'content', 'mentions', 'reply_to_message_id', 'reply_to_sender_id', 'edited_at', 'deleted_at',
] as const satisfies ReadonlyArray<keyof ExportRow>;

/** What to export: `userId`'s conversations, or only `conversationId` of them. */
export interface ExportOptions {
	userId: string;
	conversationId?: string;
	/** Messages per page (default {@link EXPORT_PAGE_SIZE}). */
	pageSize?: number;
}

interface PageRow {
	seq: string;
	message_id: string;
	sender_id: string;
	sender_name: string;
	created_at: Date;
	message_type: string;
	content: string;
	mentions: string[] | null;
	reply_to_message_id: string | null;
	reply_to_sender_id: string | null;
	edited_at: Date | null;
	deleted_at: Date | null;
}

/**
 * The conversations {@link exportPages} would read: ids of those `userId` is a current member of
 * (and `all`), narrowed to `conversationId` when given.
 * @throws the driver's error.
 */
export async function exportedConversations(db: Db, options: ExportOptions): Promise<string[]> {
	const {rows} = await db.query<{id: string}>(CONVERSATIONS_OF, [options.userId, options.conversationId ?? null]);
	return rows.map((r) => r.id);
}

/**
 * Yield `userId`'s messages one page at a time: conversation by conversation (ordered by id),
 * each in storage order (`seq`), read with keyset pages of `pageSize`, so memory stays bounded
 * whatever the history's size. Conversations are those of {@link exportedConversations}.
 * @throws the driver's error (the pages already yielded stay valid).
 */
export async function* exportPages(db: Db, options: ExportOptions): AsyncGenerator<ExportRow[]> {
	const pageSize = options.pageSize ?? EXPORT_PAGE_SIZE;
	const {rows: conversations} = await db.query<{id: string; kind: string; title: string}>(CONVERSATIONS_OF, [options.userId, options.conversationId ?? null]);
	for (const conversation of conversations) {
		let after = 0;
		for (;;) {
			const {rows} = await db.query<PageRow>(PAGE_AFTER, [conversation.id, after, pageSize]);
			if (rows.length === 0) break;
			yield rows.map((row) => ({
				conversation_id: conversation.id,
				conversation_kind: conversation.kind,
				conversation_title: conversation.title,
				seq: Number(row.seq),
				message_id: row.message_id,
				sender_id: row.sender_id,
				sender_name: row.sender_name,
				created_at: row.created_at.toISOString(),
				message_type: row.message_type,
				content: row.content,
				mentions: row.mentions ?? [],
				reply_to_message_id: row.reply_to_message_id,
				reply_to_sender_id: row.reply_to_sender_id,
				edited_at: row.edited_at?.toISOString() ?? null,
				deleted_at: row.deleted_at?.toISOString() ?? null,
			}));
			if (rows.length < pageSize) break;
			after = Number(rows.at(-1)!.seq);
		}
	}
}
