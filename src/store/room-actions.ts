// Room actions (protocol v2 `room` payloads) applied inside the ingester's batch transaction:
// rights checked against conversation_members, membership/settings changed, a `system` line stored.
// May import pg types and protocol/ only; called by ingest-queries.ts (the rules: docs/protocol.md).
import type pg from 'pg';
import type {RoomEvent} from '../protocol/index.js';
import {clampContent, currentMembers, type RoomRow, type StoredMessage} from './ingest-rows.js';

/** What became of one room action. */
export type RoomOutcome =
	/** Applied; `stored` is its system line (absent for mute/unmute, which store none). */
	| {kind: 'applied'; stored?: StoredMessage}
	/** Its system line is stored already (a re-send): confirm again, deliver nothing. */
	| {kind: 'duplicate'}
	/** Not allowed; `reason` is one line for the `rejected` receipt. Nothing was written. */
	| {kind: 'refused'; reason: string};

/** Longest room id that fits chat_messages.receiver_id (varchar(100)), where system lines name the room. */
const MAX_STORED_ROOM_ID = 100;

const LOCK_ROOM = `SELECT id, kind FROM conversations WHERE id = $1 FOR UPDATE`;
const IS_STORED = `SELECT 1 FROM chat_messages WHERE message_id = $1 AND sender_id = $2`;
const MEMBERS_OF = `
SELECT user_id, role, left_at IS NULL AS is_current FROM conversation_members
WHERE conversation_id = $1 AND user_id = ANY($2::text[])`;
const UPSERT_SENDER = `
INSERT INTO chat_users (user_id, display_name, last_seen_at) VALUES ($1, $2, now())
ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, last_seen_at = now(), updated_at = now()`;
const NAMES = `SELECT user_id, display_name FROM chat_users WHERE user_id = ANY($1::text[])`;
const CREATE_ROOM = `INSERT INTO conversations (id, kind, title, topic, created_by) VALUES ($1, 'group', $2, $3, $4)`;
// New members, or former ones back (joined again now, as plain members); current ones untouched.
const ADD_MEMBERS = `
INSERT INTO conversation_members (user_id, conversation_id, role)
SELECT user_id, $2, role FROM unnest($1::text[], $3::text[]) AS t(user_id, role) ORDER BY user_id
ON CONFLICT (user_id, conversation_id) DO UPDATE SET left_at = NULL, joined_at = now(), role = EXCLUDED.role
	WHERE conversation_members.left_at IS NOT NULL`;
const REMOVE_MEMBERS = `
UPDATE conversation_members SET left_at = now()
WHERE conversation_id = $1 AND user_id = ANY($2::text[]) AND left_at IS NULL`;
// The member who joined first becomes admin when no current admin is left (leave).
const PROMOTE_IF_NO_ADMIN = `
UPDATE conversation_members SET role = 'admin'
WHERE conversation_id = $1 AND left_at IS NULL AND user_id = (
	SELECT user_id FROM conversation_members WHERE conversation_id = $1 AND left_at IS NULL ORDER BY joined_at, user_id LIMIT 1)
	AND NOT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND left_at IS NULL AND role = 'admin')
RETURNING user_id`;
const SET_ROLE_ADMIN = `UPDATE conversation_members SET role = 'admin' WHERE conversation_id = $1 AND user_id = ANY($2::text[]) AND left_at IS NULL`;
const SET_MUTED = `UPDATE conversation_members SET is_muted = $3 WHERE conversation_id = $1 AND user_id = $2`;
const SET_TITLE = `UPDATE conversations SET title = $2 WHERE id = $1`;
const SET_TOPIC = `UPDATE conversations SET topic = $2 WHERE id = $1`;
const INSERT_SYSTEM_LINE = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
VALUES ($1, $2, $3, $4, $5, 'system', $4)
RETURNING seq, created_at`;
const SYSTEM_LINE_STATUSES = `
INSERT INTO message_receipts (message_id, status, timestamp, user_id, sender_id)
VALUES ($1, 'sent', $3, $2, $2), ($1, 'received_by_server', now(), $2, $2)
ON CONFLICT (message_id, status, user_id, sender_id) DO NOTHING`;
const ADVANCE_SENDER_MARKER = `
UPDATE conversation_members SET last_read_seq = GREATEST(last_read_seq, $3) WHERE conversation_id = $1 AND user_id = $2`;

/** A change to store as a system line: its event, its human line, and who was removed by it. */
interface Change {
	event: RoomEvent;
	line: string;
	removed: string[];
}

/**
 * Apply one room action inside the caller's transaction (the room's row is locked FOR UPDATE,
 * so concurrent actions on one room are serialised across ingesters). Rules (docs/protocol.md
 * "Version 2"): `create` needs a new id (a re-send of the same create is a duplicate); every
 * other action needs an existing room and a current member; invite, kick, rename, topic and op
 * need an admin; kick and op name current members; nobody kicks themselves; when the last admin
 * leaves, the member who joined first becomes admin. Except mute/unmute, a `system` message is
 * stored under the action's (message_id, sender_id) with a human line using display names.
 * @returns the outcome; never throws for a refused action (only the driver's errors).
 */
export async function applyRoomAction(client: pg.PoolClient, row: RoomRow): Promise<RoomOutcome> {
	const room = row.conversationId;
	await client.query(UPSERT_SENDER, [row.senderId, row.senderName]);
	const isMute = row.action === 'mute' || row.action === 'unmute';
	if (!isMute && (await client.query(IS_STORED, [row.messageId, row.senderId])).rowCount) return {kind: 'duplicate'};
	const exists = (await client.query(LOCK_ROOM, [room])).rowCount === 1;
	const users = [...new Set(row.userIds)].filter((id) => id !== row.senderId || row.action === 'kick');
	let change: Change | RoomOutcome;
	if (row.action === 'create') {
		if (exists) return refuse('a room with this id exists already');
		if (room.length > MAX_STORED_ROOM_ID) return refuse(`room ids have at most ${MAX_STORED_ROOM_ID} characters`);
		await client.query(CREATE_ROOM, [room, row.title ?? '', row.topic ?? '', row.senderId]);
		await client.query(ADD_MEMBERS, [[row.senderId, ...users], room, ['admin', ...users.map(() => 'member')]]);
		const names = await namesOf(client, users);
		change = {
			event: {action: 'create', user_ids: users, title: row.title},
			line: `${row.senderName} created "${row.title ?? ''}"${users.length ? ` with ${names.join(', ')}` : ''}`,
			removed: [],
		};
	} else {
		if (!exists) return refuse('no such room');
		const named = await membersOf(client, room, [row.senderId, ...users]);
		const me = named.get(row.senderId);
		if (!me?.isCurrent) return refuse('you are not a member of this room');
		const isAdmin = me.role === 'admin';
		change = await applyToRoom(client, row, users, named, isAdmin);
		if (!('event' in change)) return change;
	}
	if (!('event' in change)) return change;
	return {kind: 'applied', stored: await storeSystemLine(client, row, change)};
}

async function applyToRoom(
	client: pg.PoolClient,
	row: RoomRow,
	users: string[],
	named: Map<string, {role: string; isCurrent: boolean}>,
	isAdmin: boolean,
): Promise<Change | RoomOutcome> {
	const room = row.conversationId;
	const by = row.senderName;
	const adminOnly = ['invite', 'kick', 'rename', 'topic', 'op'];
	if (adminOnly.includes(row.action) && !isAdmin) return refuse(`only an admin can ${row.action === 'op' ? 'make admins' : row.action === 'topic' ? 'set the topic' : row.action} in this room`);
	const notMember = users.find((id) => !named.get(id)?.isCurrent);
	switch (row.action) {
		case 'mute':
		case 'unmute':
			await client.query(SET_MUTED, [room, row.senderId, row.action === 'mute']);
			return {kind: 'applied'};
		case 'leave': {
			await client.query(REMOVE_MEMBERS, [room, [row.senderId]]);
			const promoted = (await client.query<{user_id: string}>(PROMOTE_IF_NO_ADMIN, [room])).rows.map((r) => r.user_id);
			const names = await namesOf(client, promoted);
			return {
				event: {action: 'leave', user_ids: [row.senderId], ...(promoted.length ? {promoted} : {})},
				line: `${by} left${promoted.length ? ` (${names.join(', ')} is now an admin)` : ''}`,
				removed: [row.senderId],
			};
		}
		case 'invite': {
			const added = users.filter((id) => !named.get(id)?.isCurrent);
			if (added.length === 0) return refuse(users.length === 1 ? `${users[0]} is a member already` : 'they are members already');
			await client.query(ADD_MEMBERS, [added, room, added.map(() => 'member')]);
			return {event: {action: 'invite', user_ids: added}, line: `${by} added ${(await namesOf(client, added)).join(', ')}`, removed: []};
		}
		case 'kick':
			if (users.includes(row.senderId)) return refuse('you cannot kick yourself; leave the room instead');
			if (notMember) return refuse(`${notMember} is not a member of this room`);
			await client.query(REMOVE_MEMBERS, [room, users]);
			return {event: {action: 'kick', user_ids: users}, line: `${by} removed ${(await namesOf(client, users)).join(', ')}`, removed: users};
		case 'op':
			if (notMember) return refuse(`${notMember} is not a member of this room`);
			await client.query(SET_ROLE_ADMIN, [room, users]);
			return {event: {action: 'op', user_ids: users}, line: `${by} made ${(await namesOf(client, users)).join(', ')} admin`, removed: []};
		case 'rename':
			await client.query(SET_TITLE, [room, row.title ?? '']);
			return {event: {action: 'rename', user_ids: [], title: row.title}, line: `${by} renamed the room to "${row.title ?? ''}"`, removed: []};
		case 'topic':
			await client.query(SET_TOPIC, [room, row.topic ?? '']);
			return {
				event: {action: 'topic', user_ids: [], topic: row.topic ?? ''},
				line: row.topic ? `${by} set the topic to "${row.topic}"` : `${by} cleared the topic`,
				removed: [],
			};
		case 'create':
			return refuse('a room with this id exists already');
	}
}

async function storeSystemLine(client: pg.PoolClient, row: RoomRow, change: Change): Promise<StoredMessage> {
	const room = row.conversationId;
	const content = clampContent(change.line);
	const inserted = await client.query<{seq: string; created_at: Date}>(INSERT_SYSTEM_LINE, [row.messageId, row.senderId, row.senderName, room, content]);
	const seq = Number(inserted.rows[0]!.seq);
	const createdAt = inserted.rows[0]!.created_at;
	await client.query(SYSTEM_LINE_STATUSES, [row.messageId, row.senderId, row.sentAt]);
	await client.query(ADVANCE_SENDER_MARKER, [room, row.senderId, seq]);
	const current = (await currentMembers(client, [room])).get(room) ?? [];
	return {
		messageId: row.messageId,
		senderId: row.senderId,
		senderName: row.senderName,
		conversationId: room,
		content,
		messageType: 'system',
		sentAt: row.sentAt,
		seq,
		createdAt: createdAt.toISOString(),
		event: change.event,
		recipients: [...new Set([...current, ...change.removed])].sort(),
	};
}

function refuse(reason: string): RoomOutcome {
	return {kind: 'refused', reason};
}

async function membersOf(client: pg.PoolClient, room: string, users: string[]): Promise<Map<string, {role: string; isCurrent: boolean}>> {
	const result = await client.query<{user_id: string; role: string; is_current: boolean}>(MEMBERS_OF, [room, users]);
	return new Map(result.rows.map((r) => [r.user_id, {role: r.role, isCurrent: r.is_current}]));
}

/** Display names of `users` (their id when the server has never seen them), in the same order. */
async function namesOf(client: pg.PoolClient, users: readonly string[]): Promise<string[]> {
	if (users.length === 0) return [];
	const result = await client.query<{user_id: string; display_name: string}>(NAMES, [users]);
	const names = new Map(result.rows.map((r) => [r.user_id, r.display_name]));
	return users.map((id) => names.get(id) ?? id);
}
