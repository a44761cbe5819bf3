// The page of history around one message: opening a search hit (or a reply's original) in its
// conversation. May import pg (via db.ts) and history.ts.
import type {Db} from './db.js';
import {loadOlderPage, messageColumns, toStoredMessage, type HistoryPage, type MessageRow} from './history.js';

// Forward keyset read of chat_messages_conversation_seq after the focus (closed range, see history.ts).
const NEWER_PAGE = `SELECT ${messageColumns('$4')} FROM chat_messages m
WHERE m.conversation_id >= $1 AND m.conversation_id <= $1 AND m.seq > $2
ORDER BY m.conversation_id, m.seq LIMIT $3`;

/**
 * About `limit` messages around message `seq` of a conversation, oldest first: the focus and up to
 * `limit - ⌊limit/2⌋ - 1` before it, up to `⌊limit/2⌋` after it. `hasMore`: older messages exist
 * before the page; `hasNewer`: newer ones after it (a gap to the latest). When `seq` is not stored
 * (deleted row, wrong conversation) the page is the one that would surround it.
 * @throws the driver's error.
 */
export async function loadPageAround(db: Db, conversationId: string, seq: number, limit: number, viewerId = ''): Promise<HistoryPage & {hasNewer: boolean}> {
	const size = Math.min(1_000, Math.max(1, Math.floor(limit) || 1));
	const after = Math.floor(size / 2);
	const before = await loadOlderPage(db, conversationId, seq + 1, size - after, viewerId);
	const {rows} = await db.query<MessageRow>(NEWER_PAGE, [conversationId, seq, after + 1, viewerId]);
	return {messages: [...before.messages, ...rows.slice(0, after).map(toStoredMessage)], hasMore: before.hasMore, hasNewer: rows.length > after};
}
