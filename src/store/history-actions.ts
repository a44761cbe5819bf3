// What history pages read of issue 10's message actions: the reply quote, the edit version,
// the soft delete and the reactions of each message. May import pg types (via db.ts) and core/types.
import type {ChatMessage, ReplyRef} from '../core/types.js';
import {MAX_REPLY_PREVIEW_LENGTH} from '../protocol/index.js';
import type {Db} from './db.js';

/**
 * Extra page columns (alias `m` = a chat_messages row): the reply's original found by its key
 * (the (message_id, sender_id) unique index — not the seq index, which page plans must not use,
 * see history.ts; its name, first 100 characters and edit version, no text once it is deleted), and
 * the reactions as one JSON object emoji → user ids (oldest first; emoji in order of first use)
 * from a prefix scan of message_reactions' key — none on a deleted message.
 */
export const ACTION_COLUMNS = `m.version, m.edited_at, m.deleted_at, m.deleted_by,
	m.reply_to_sender_id, m.reply_to_message_id, m.reply_to_seq,
	(SELECT json_build_object('sender_name', o.sender_name, 'preview', CASE WHEN o.deleted_at IS NULL THEN left(o.content, ${MAX_REPLY_PREVIEW_LENGTH}) END,
			'version', o.version, 'is_deleted', o.deleted_at IS NOT NULL)
		FROM chat_messages o WHERE o.message_id = m.reply_to_message_id AND o.sender_id = m.reply_to_sender_id) AS reply_quote,
	(SELECT json_object_agg(x.emoji, x.users) FROM (
		SELECT r.emoji, json_agg(r.user_id ORDER BY r.created_at, r.user_id) AS users FROM message_reactions r
		WHERE r.message_id = m.message_id AND r.sender_id = m.sender_id AND m.deleted_at IS NULL
		GROUP BY r.emoji ORDER BY min(r.created_at), r.emoji) x) AS reactions`;

/** The row fields {@link ACTION_COLUMNS} adds. */
export interface ActionColumns {
	version: number;
	edited_at: Date | null;
	deleted_at: Date | null;
	deleted_by: string | null;
	reply_to_sender_id: string | null;
	reply_to_message_id: string | null;
	reply_to_seq: string | null;
	reply_quote: {sender_name: string; preview: string | null; version: number; is_deleted: boolean} | null;
	reactions: Record<string, string[]> | null;
}

/** The ChatMessage fields of {@link ActionColumns}; each only when set (an untouched message adds none). */
export function actionFields(row: ActionColumns): Pick<ChatMessage, 'replyTo' | 'version' | 'editedAt' | 'deletedAt' | 'deletedBy' | 'reactions'> {
	const replyTo: ReplyRef | undefined = row.reply_to_message_id && row.reply_to_sender_id
		? {
				messageId: row.reply_to_message_id,
				senderId: row.reply_to_sender_id,
				...(row.reply_quote ? {senderName: row.reply_quote.sender_name} : {}),
				...(row.reply_quote?.preview ? {preview: row.reply_quote.preview} : {}),
				...(row.reply_quote && row.reply_quote.version > 0 ? {version: row.reply_quote.version} : {}),
				...(row.reply_quote?.is_deleted ? {isDeleted: true} : {}),
				...(row.reply_to_seq !== null ? {seq: Number(row.reply_to_seq)} : {}),
			}
		: undefined;
	return {
		...(replyTo ? {replyTo} : {}),
		...(row.version > 0 ? {version: row.version} : {}),
		...(row.edited_at ? {editedAt: row.edited_at.getTime()} : {}),
		...(row.deleted_at ? {deletedAt: row.deleted_at.getTime(), deletedBy: row.deleted_by ?? ''} : {}),
		...(row.reactions && Object.keys(row.reactions).length > 0 ? {reactions: row.reactions} : {}),
	};
}

const VERSION_OF = `SELECT version FROM chat_messages WHERE message_id = $1 AND sender_id = $2`;

/**
 * The stored edit version of message (`senderId`, `messageId`) (0 = never edited), or undefined
 * when it is not stored.
 * @throws the driver's error.
 */
export async function loadMessageVersion(db: Db, senderId: string, messageId: string): Promise<number | undefined> {
	const {rows} = await db.query<{version: number}>(VERSION_OF, [messageId, senderId]);
	return rows[0]?.version;
}
