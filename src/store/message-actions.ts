// Message actions (protocol v2 `edit`, `delete`, `react`, issue 10) applied inside the ingester's
// batch transaction: rights checked against the message and conversation_members, versions kept.
// May import pg types and protocol/ only; called by ingest-queries.ts (the rules: docs/protocol.md).
import type pg from 'pg';
import {BROADCAST_ID, MAX_DISTINCT_REACTIONS, MAX_EDITS, mentionsOf} from '../protocol/index.js';
import {currentMembers} from './ingest-rows.js';

/** A v2 message action to apply (a validated `edit`, `delete` or `react` payload). */
export interface MessageActionRow {
	kind: 'edit' | 'delete' | 'react';
	/** The action's idempotency id (the payload's `message_id`), unique per actor. */
	actionId: string;
	actorId: string;
	actorName: string;
	/** The conversation the actor names: it must be the target's. */
	conversationId: string;
	/** The message acted on: (sender, message id). */
	targetSenderId: string;
	targetMessageId: string;
	/** edit: the new text. */
	content?: string;
	/** edit: the new version (1…MAX_EDITS), applied only when higher than the stored one. */
	version?: number;
	/** react: one emoji, and whether it is added or taken back. */
	emoji?: string;
	isOn?: boolean;
	/** The actor's time, ISO 8601. */
	sentAt: string;
}

/** A committed change to deliver to the conversation's members after COMMIT. */
export interface StoredChange {
	kind: 'edit' | 'delete' | 'react';
	row: MessageActionRow;
	/** edit: the stored text and version (the current ones for a re-sent edit). */
	content?: string;
	version?: number;
	/** react: whether `row.emoji` by the actor is on the message now. */
	isOn?: boolean;
	/** delete: who deleted it (the actor, or — for a re-sent action on a deleted message — whoever did). */
	deletedBy?: string;
	/** When the change was committed (edit: edited_at, delete: deleted_at), ISO 8601. */
	appliedAt: string;
	/** Current members (actor included), or `all`: the broadcast inbox. */
	recipients: readonly string[] | typeof BROADCAST_ID;
}

/** What became of one action: applied, a re-send (deliver the current state again), or refused. */
export type ActionOutcome =
	| {kind: 'applied' | 'duplicate'; change: StoredChange}
	/** `reason`: one line for the `rejected` receipt. Nothing was written. */
	| {kind: 'refused'; reason: string};

const IS_APPLIED = `SELECT 1 FROM message_actions WHERE action_id = $1 AND actor_id = $2`;
// The target row locked: concurrent actions on one message (two ingesters) are serialised.
const LOCK_TARGET = `
SELECT conversation_id, message_type, content, version, created_at, edited_at, deleted_at, deleted_by
FROM chat_messages WHERE message_id = $1 AND sender_id = $2 FOR UPDATE`;
const ROLE_OF = `SELECT role FROM conversation_members WHERE conversation_id = $1 AND user_id = $2 AND left_at IS NULL`;
const KEEP_VERSION = `
INSERT INTO message_versions (message_id, sender_id, version, content, created_at, replaced_by)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, sender_id, version) DO NOTHING`;
const APPLY_EDIT = `
UPDATE chat_messages SET content = $3, version = $4, edited_at = now(), updated_at = now(), mentions = $5::text[]
WHERE message_id = $1 AND sender_id = $2 RETURNING edited_at`;
// Receipts reset to delivered-only after an edit (as WhatsApp): the members read it again.
const FORGET_READS = `DELETE FROM message_receipts WHERE message_id = $1 AND sender_id = $2 AND status = 'read'`;
const APPLY_DELETE = `
UPDATE chat_messages SET content = '', mentions = NULL, deleted_at = now(), deleted_by = $3, updated_at = now()
WHERE message_id = $1 AND sender_id = $2 RETURNING deleted_at`;
const ERASE_VERSIONS = `UPDATE message_versions SET content = '' WHERE message_id = $1 AND sender_id = $2`;
const REACTIONS_OF = `
SELECT count(DISTINCT emoji)::int AS distinct_emoji, coalesce(bool_or(emoji = $3), false) AS has_emoji,
	coalesce(bool_or(emoji = $3 AND user_id = $4), false) AS is_on
FROM message_reactions WHERE message_id = $1 AND sender_id = $2`;
const ADD_REACTION = `
INSERT INTO message_reactions (message_id, sender_id, emoji, user_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (message_id, sender_id, emoji, user_id) DO NOTHING`;
const REMOVE_REACTION = `DELETE FROM message_reactions WHERE message_id = $1 AND sender_id = $2 AND emoji = $3 AND user_id = $4`;
const RECORD_ACTION = `
INSERT INTO message_actions (action_id, actor_id, kind, message_id, sender_id) VALUES ($1, $2, $3, $4, $5)
RETURNING applied_at`;

interface TargetRow {
	conversation_id: string;
	message_type: string;
	content: string;
	version: number;
	created_at: Date;
	edited_at: Date | null;
	deleted_at: Date | null;
	deleted_by: string | null;
}

/**
 * Apply one message action inside the caller's transaction. Rules (docs/protocol.md "Message
 * actions"): the target must be stored in the conversation the action names; the actor must be
 * a current member of it (anyone for `all`). `edit`: own `text` messages only, not deleted,
 * `version` higher than the stored one (an older edit never overwrites a newer one; the earlier
 * text goes to message_versions, `read` receipts are reset). `delete`: own text messages, or
 * anyone's in a room where the actor is admin; content '' in chat_messages and message_versions;
 * deleting a deleted message is confirmed and changes nothing; it wins over any later edit.
 * `react`: not on a deleted message; at most MAX_DISTINCT_REACTIONS distinct emoji per message.
 * A re-sent action (same id and actor) is a `duplicate`: nothing is written and the message's
 * current state is delivered again.
 * @returns the outcome; never throws for a refused action (only the driver's errors).
 */
export async function applyMessageAction(client: pg.PoolClient, row: MessageActionRow): Promise<ActionOutcome> {
	const key = [row.targetMessageId, row.targetSenderId];
	const target = (await client.query<TargetRow>(LOCK_TARGET, key)).rows[0];
	const isDuplicate = (await client.query(IS_APPLIED, [row.actionId, row.actorId])).rowCount === 1;
	if (isDuplicate && target) return {kind: 'duplicate', change: await currentState(client, row, target)};
	if (!target || target.conversation_id !== row.conversationId) return refuse('no such message in this conversation');
	const role = row.conversationId === BROADCAST_ID ? 'member' : (await client.query<{role: string}>(ROLE_OF, [row.conversationId, row.actorId])).rows[0]?.role;
	if (role === undefined) return refuse('you are not a member of this conversation');
	const isOwn = row.targetSenderId === row.actorId;
	let appliedAt: Date | undefined;
	let change: Omit<StoredChange, 'appliedAt' | 'recipients' | 'row' | 'kind'> = {};
	switch (row.kind) {
		case 'edit': {
			if (!isOwn) return refuse('you can only edit your own messages');
			if (target.message_type !== 'text') return refuse('only text messages can be edited');
			if (target.deleted_at) return refuse('the message was deleted');
			const version = row.version ?? 0;
			if (version <= target.version) return refuse(`a newer edit is stored (version ${target.version})`);
			if (version > MAX_EDITS) return refuse(`a message can be edited at most ${MAX_EDITS} times`);
			await client.query(KEEP_VERSION, [...key, target.version, target.content, target.edited_at ?? target.created_at, row.actorId]);
			appliedAt = (await client.query<{edited_at: Date}>(APPLY_EDIT, [...key, row.content ?? '', version, nullIfEmpty(mentionsOf(row.content ?? ''))])).rows[0]!.edited_at;
			await client.query(FORGET_READS, key);
			change = {content: row.content ?? '', version};
			break;
		}
		case 'delete': {
			if (target.message_type !== 'text') return refuse('only text messages can be deleted');
			if (!isOwn && role !== 'admin') return refuse('you can only delete your own messages (or any, as a room admin)');
			if (target.deleted_at) {
				appliedAt = target.deleted_at;
				change = {deletedBy: target.deleted_by ?? row.actorId};
				break;
			}
			appliedAt = (await client.query<{deleted_at: Date}>(APPLY_DELETE, [...key, row.actorId])).rows[0]!.deleted_at;
			await client.query(ERASE_VERSIONS, key);
			change = {deletedBy: row.actorId};
			break;
		}
		case 'react': {
			if (target.deleted_at) return refuse('the message was deleted');
			const emoji = row.emoji ?? '';
			const now = (await client.query<{distinct_emoji: number; has_emoji: boolean}>(REACTIONS_OF, [...key, emoji, row.actorId])).rows[0]!;
			if (row.isOn && !now.has_emoji && now.distinct_emoji >= MAX_DISTINCT_REACTIONS) {
				return refuse(`a message has at most ${MAX_DISTINCT_REACTIONS} different reactions`);
			}
			await client.query(row.isOn ? ADD_REACTION : REMOVE_REACTION, [...key, emoji, row.actorId]);
			change = {isOn: row.isOn === true};
			break;
		}
	}
	const recorded = (await client.query<{applied_at: Date}>(RECORD_ACTION, [row.actionId, row.actorId, row.kind, ...key])).rows[0]!.applied_at;
	return {kind: 'applied', change: {kind: row.kind, row, ...change, appliedAt: (appliedAt ?? recorded).toISOString(), recipients: await recipientsOf(client, row.conversationId)}};
}

/** The target's current state as a change of the action's kind (a re-sent action delivers it again). */
async function currentState(client: pg.PoolClient, row: MessageActionRow, target: TargetRow): Promise<StoredChange> {
	const recipients = await recipientsOf(client, target.conversation_id);
	const base = {row: {...row, conversationId: target.conversation_id}, recipients};
	if (target.deleted_at) return {...base, kind: 'delete', deletedBy: target.deleted_by ?? row.actorId, appliedAt: target.deleted_at.toISOString()};
	if (row.kind === 'react') {
		const now = (await client.query<{is_on: boolean}>(REACTIONS_OF, [row.targetMessageId, row.targetSenderId, row.emoji ?? '', row.actorId])).rows[0]!;
		return {...base, kind: 'react', isOn: now.is_on, appliedAt: new Date().toISOString()};
	}
	// An edit re-sent after later edits delivers the newest text: members keep the highest version.
	return {...base, kind: 'edit', content: target.content, version: target.version, appliedAt: (target.edited_at ?? target.created_at).toISOString()};
}

async function recipientsOf(client: pg.PoolClient, conversationId: string): Promise<readonly string[] | typeof BROADCAST_ID> {
	if (conversationId === BROADCAST_ID) return BROADCAST_ID;
	return (await currentMembers(client, [conversationId])).get(conversationId) ?? [];
}

function refuse(reason: string): ActionOutcome {
	return {kind: 'refused', reason};
}

/** `null` for no mentions (the column's "none"), else the ids. */
function nullIfEmpty(ids: string[]): string[] | null {
	return ids.length === 0 ? null : ids;
}
