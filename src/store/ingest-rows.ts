// Rows shared by the ingester's batch writer (ingest-queries.ts) and room actions
// (room-actions.ts): room actions in, stored messages out, and the current-members lookup.
// May import pg types and protocol/ only.
import type pg from 'pg';
import {BROADCAST_ID, MAX_CONTENT_LENGTH, type RoomAction, type RoomEvent} from '../protocol/index.js';

// Current members of conversations (fan-out): the conversation_members_current index.
const CURRENT_MEMBERS = `
SELECT conversation_id, user_id FROM conversation_members
WHERE conversation_id = ANY($1::text[]) AND left_at IS NULL
ORDER BY conversation_id, user_id`;

/** A v2 room action (protocol roomV2), applied in the batch transaction by store/room-actions.ts. */
export interface RoomRow {
	/** Idempotency key: the system message is stored under (messageId, senderId). */
	messageId: string;
	/** A group id (`room-…`). */
	conversationId: string;
	senderId: string;
	senderName: string;
	action: RoomAction;
	/** Users the action names (create: initial members; invite, kick, op). */
	userIds: readonly string[];
	title?: string;
	topic?: string;
	/** ISO 8601, the client's time (the system message's `sent` time). */
	sentAt: string;
}

/** A message stored by this batch, to fan out after COMMIT. */
export interface StoredMessage {
	messageId: string;
	senderId: string;
	senderName: string;
	conversationId: string;
	content: string;
	messageType: 'text' | 'system';
	/** The sender's time, ISO 8601. */
	sentAt: string;
	/** Storage order (chat_messages.seq): the one order every member sees. */
	seq: number;
	/**
	 * The seq of the previous message of this conversation (0 for its first): set by
	 * writeIngestBatch before it returns, delivered as protocol `prev_seq`.
	 */
	prevSeq?: number;
	/** Server commit time, ISO 8601. */
	createdAt: string;
	/** System lines: what changed. */
	event?: RoomEvent;
	/** Replies: the original of the same conversation, with its sender's name and first ≤ 100 characters (none once deleted). */
	replyTo?: {senderId: string; messageId: string; seq: number; senderName: string; preview?: string};
	/** Whose inboxes get it: current members (sender included) plus users this action removed; `all`: the broadcast inbox. */
	recipients: readonly string[] | typeof BROADCAST_ID;
}

/**
 * The current members (left_at IS NULL) of each of `conversationIds` other than `all`, by
 * conversation, user ids sorted. Runs inside the caller's transaction.
 */
export async function currentMembers(client: pg.PoolClient, conversationIds: readonly string[]): Promise<Map<string, string[]>> {
	const ids = [...new Set(conversationIds)].filter((id) => id !== BROADCAST_ID);
	const members = new Map<string, string[]>();
	if (ids.length === 0) return members;
	const result = await client.query<{conversation_id: string; user_id: string}>(CURRENT_MEMBERS, [ids]);
	for (const row of result.rows) members.set(row.conversation_id, [...(members.get(row.conversation_id) ?? []), row.user_id]);
	return members;
}

/** `text` cut to protocol MAX_CONTENT_LENGTH (a system line naming many users). */
export function clampContent(text: string): string {
	return text.length <= MAX_CONTENT_LENGTH ? text : `${text.slice(0, MAX_CONTENT_LENGTH - 1)}…`;
}
