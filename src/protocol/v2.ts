// Protocol version 2 (docs/protocol.md, "Version 2"): conversations with members. Clients publish
// to the server only (`{base}/server/{from}`); the ingester commits, then fans out to each current
// member's inbox (`{base}/{member}/server/inbox`) or, for the broadcast, to `{base}/all/server/inbox`.
// Pure: imports zod and protocol/ only.
import {z} from 'zod';
import {MAX_PAYLOAD_BYTES, MAX_REASON_LENGTH} from './payloads.js';
import {BROADCAST_ID, PRESENCE_ID, SERVER_ID} from './topics.js';
import {content, conversationId, conversationKindOf, messageId, name, PROTOCOL_VERSION, storable, timestamp, userId, version} from './v2-fields.js';
import {deleteV2, editV2, reactV2, replyRef} from './v2-actions.js';

// One decoder for every payload (issue 12: a new one per publish was garbage on the ingester's
// hot path); decode() without `stream` keeps no state between calls. fatal: invalid UTF-8 throws.
const STRICT_UTF8 = new TextDecoder('utf-8', {fatal: true});

export * from './v2-actions.js';

export {CONVERSATION_KINDS, PROTOCOL_VERSION, conversationKindOf, directMembersOf, type ConversationKind} from './v2-fields.js';

/** Longest room title, in characters (`conversations.title` is varchar(100)). */
export const MAX_TITLE_LENGTH = 100;
/** Longest room topic, in characters (`conversations.topic` is varchar(500)). */
export const MAX_TOPIC_LENGTH = 500;
/** Most user ids one room action may name (create, invite, kick, op). */
export const MAX_ACTION_USERS = 50;
/** Last topic level of every server → member delivery: `{base}/{member}/server/inbox`. */
export const INBOX_LEVEL = 'inbox';

/** Member roles (the `conversation_members.role` column). */
export const MEMBER_ROLES = ['admin', 'member'] as const;
/** One of {@link MEMBER_ROLES}. */
export type MemberRole = (typeof MEMBER_ROLES)[number];
/** What a `room` payload asks the server to do. */
export const ROOM_ACTIONS = ['create', 'invite', 'kick', 'leave', 'rename', 'topic', 'op', 'mute', 'unmute'] as const;
/** One of {@link ROOM_ACTIONS}. */
export type RoomAction = (typeof ROOM_ACTIONS)[number];

/**
 * What a `system` message records (server → members only): the room action, who did it
 * (the message's sender) and to whom. Clients reload the conversation's members and title
 * from PostgreSQL when one arrives.
 */
export const roomEvent = z.object({
	action: z.enum(ROOM_ACTIONS),
	user_ids: z.array(userId).max(MAX_ACTION_USERS).default([]),
	title: storable(z.string().max(MAX_TITLE_LENGTH)).optional(),
	topic: storable(z.string().max(MAX_TOPIC_LENGTH)).optional(),
	/** Members made admin by the server (the longest member when the last admin left). */
	promoted: z.array(userId).max(MAX_ACTION_USERS).optional(),
});
/** A decoded {@link roomEvent}. */
export type RoomEvent = z.infer<typeof roomEvent>;

/**
 * `type: "message"`, v2. Client → server on `{base}/server/{sender_id}` (QoS 1): `message_type`
 * `text`, no `seq`/`created_at`/`event` (the server ignores them from a client). Server →
 * members on their inboxes after COMMIT: with `seq` (storage order, the same for every member),
 * `prev_seq` (the conversation's previous seq; servers since 2.1) and `created_at` (server
 * commit time); `system` lines carry `event`.
 * Unknown fields are accepted and dropped (forward compatibility, see the doc's policy).
 */
export const messageV2 = z.object({
	v: version,
	type: z.literal('message'),
	message_id: messageId,
	conversation_id: conversationId,
	sender_id: userId,
	sender_name: name,
	content,
	message_type: z.enum(['text', 'system']).default('text'),
	/** Client send time, ISO 8601. */
	timestamp,
	seq: z.number().int().positive().optional(),
	/**
	 * Server deliveries since protocol 2.1 (optional: older servers omit it): the `seq` of the
	 * previous message of the same conversation (0 for its first), so a client knows that no
	 * message of this conversation has a seq in (`prev_seq`, `seq`). Always less than `seq`.
	 */
	prev_seq: z.number().int().nonnegative().optional(),
	created_at: timestamp.optional(),
	event: roomEvent.optional(),
	/** A reply: the original message of the same conversation (see v2-actions.ts replyRef). */
	reply_to: replyRef.optional(),
});
/** A decoded v2 `message`. */
export type MessageV2 = z.infer<typeof messageV2>;

/**
 * `type: "status"`, v2: a receipt about message (`sender_id`, `message_id`) of
 * `conversation_id`; `user_id` is whom the transition is about (the member for
 * `delivered`/`read`, the sender for `received_by_server`/`rejected`). Members publish
 * `delivered`/`read` to `{base}/server/{user_id}`; the server stores them and forwards them,
 * after COMMIT, to the sender's inbox. `received_by_server`/`rejected` come from the server
 * only; `reason` (1–200 characters) is required on `rejected` and allowed nowhere else.
 */
export const statusV2 = z
	.object({
		v: version,
		type: z.literal('status'),
		status: z.enum(['received_by_server', 'delivered', 'read', 'rejected']),
		conversation_id: conversationId,
		message_id: messageId,
		sender_id: userId,
		user_id: userId,
		timestamp,
		reason: storable(z.string().min(1).max(MAX_REASON_LENGTH)).optional(),
	})
	.refine((p) => (p.reason !== undefined) === (p.status === 'rejected'), {
		message: 'reason is required for, and only allowed on, a rejected receipt',
		path: ['reason'],
	});
/** A decoded v2 `status`. */
export type StatusV2 = z.infer<typeof statusV2>;

/** `type: "typing"`, v2: QoS 0, never stored; relayed by the server to the other current members. */
export const typingV2 = z.object({
	v: version,
	type: z.literal('typing'),
	conversation_id: conversationId,
	sender_id: userId,
	sender_name: name,
	is_typing: z.boolean(),
	timestamp,
});
/** A decoded v2 `typing`. */
export type TypingV2 = z.infer<typeof typingV2>;

/**
 * `type: "room"`, v2, client → server only: a membership or settings change of a group room.
 * `message_id` is its idempotency key (the client re-sends until `received_by_server` or
 * `rejected`, like a message); the server checks the sender's rights, applies it and, except for
 * `mute`/`unmute`, stores a `system` message under that id, fanned out to the members (and to
 * whoever was just removed). Fields per action: `create` needs `title` (1–100) and may name
 * `user_ids` (initial members, the sender becomes admin); `invite`/`kick`/`op` need `user_ids`
 * (1–50); `rename` needs `title`; `topic` needs `topic` (0–500, '' clears); `leave`, `mute`,
 * `unmute` need neither.
 */
export const roomV2 = z
	.object({
		v: version,
		type: z.literal('room'),
		message_id: messageId,
		conversation_id: conversationId,
		sender_id: userId,
		sender_name: name,
		action: z.enum(ROOM_ACTIONS),
		user_ids: z.array(userId).max(MAX_ACTION_USERS).optional(),
		title: storable(z.string().trim().min(1).max(MAX_TITLE_LENGTH)).optional(),
		topic: storable(z.string().max(MAX_TOPIC_LENGTH)).optional(),
		timestamp,
	})
	.superRefine((p, ctx) => {
		if (conversationKindOf(p.conversation_id) !== 'group') ctx.addIssue({code: 'custom', message: 'room actions apply to group rooms (room-…) only', path: ['conversation_id']});
		const needsUsers = p.action === 'invite' || p.action === 'kick' || p.action === 'op';
		if (needsUsers && !p.user_ids?.length) ctx.addIssue({code: 'custom', message: `${p.action} needs user_ids`, path: ['user_ids']});
		if ((p.action === 'create' || p.action === 'rename') && p.title === undefined) ctx.addIssue({code: 'custom', message: `${p.action} needs a title`, path: ['title']});
		if (p.action === 'topic' && p.topic === undefined) ctx.addIssue({code: 'custom', message: 'topic needs a topic', path: ['topic']});
	});
/** A decoded v2 `room`. */
export type RoomV2 = z.infer<typeof roomV2>;

/** Any v2 payload, discriminated by `type` (presence keeps its version 1 form: see the doc). */
export const payloadV2 = z.discriminatedUnion('type', [messageV2, statusV2, typingV2, roomV2, editV2, deleteV2, reactV2]);
/** A decoded v2 payload. */
export type PayloadV2 = z.infer<typeof payloadV2>;

/** Topic a v2 client publishes everything but presence to: `{base}/server/{from}`. */
export function serverTopic(base: string, from: string): string {
	return `${base}/${SERVER_ID}/${from}`;
}

/** A member's inbox, written by the server only: `{base}/{userId}/server/inbox`. */
export function inboxTopic(base: string, userId: string): string {
	return `${base}/${userId}/${SERVER_ID}/${INBOX_LEVEL}`;
}

/** Where the server fans out broadcast (`all`) traffic: `{base}/all/server/inbox`. */
export function broadcastInboxTopic(base: string): string {
	return inboxTopic(base, BROADCAST_ID);
}

/** The subscriptions of a v2 chat client: its inbox, the broadcast inbox and everyone's presence. */
export function clientSubscriptionsV2(base: string, userId: string): string[] {
	return [inboxTopic(base, userId), broadcastInboxTopic(base), `${base}/${PRESENCE_ID}/+`];
}

/**
 * The ingester's subscription: every two-level topic `{base}/{to}/{from}` (v1 traffic, presence
 * and v2's `{base}/server/{from}`) but not the three-level inboxes it writes itself, as an MQTT 5
 * shared subscription (`$share/{group}/…`, MQTT 5.0 §4.8.2) when `group` is given.
 */
export function ingestSubscriptionV2(base: string, group?: string): string {
	return group ? `$share/${group}/${base}/+/+` : `${base}/+/+`;
}

/** Result of {@link decodeV2}. */
export type DecodedV2 = {ok: true; payload: PayloadV2} | {ok: false; error: string};

/**
 * Decode one v2 publish made by `from` (the topic's publisher level): at most
 * {@link MAX_PAYLOAD_BYTES} of UTF-8 JSON with `v: 2` matching {@link payloadV2}, whose author
 * (`sender_id`, or `user_id` for a status) is `from` — or, when `from` is `server`, any author
 * (deliveries on an inbox). Unknown fields are dropped, never refused. Never throws.
 * @returns `{ok:false, error}` with a one-line reason for anything invalid.
 */
export function decodeV2(from: string, bytes: Uint8Array): DecodedV2 {
	if (bytes.byteLength > MAX_PAYLOAD_BYTES) return {ok: false, error: `payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`};
	let json: unknown;
	try {
		json = JSON.parse(STRICT_UTF8.decode(bytes));
	} catch (error) {
		return {ok: false, error: `payload is not UTF-8 JSON (${(error as Error).message})`};
	}
	const parsed = payloadV2.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const where = issue?.path.length ? issue.path.join('.') : 'payload';
		return {ok: false, error: `invalid ${where}: ${issue?.message ?? 'schema mismatch'}`};
	}
	const payload = parsed.data;
	if (from === SERVER_ID) {
		if (payload.type === 'message' && payload.prev_seq !== undefined && (payload.seq === undefined || payload.prev_seq >= payload.seq)) {
			return {ok: false, error: 'prev_seq must come with a seq greater than it'};
		}
		return {ok: true, payload};
	}
	const author = payload.type === 'status' ? payload.user_id : payload.sender_id;
	if (author !== from) return {ok: false, error: `${payload.type} by ${author} published on ${from}'s topic`};
	if (payload.type === 'status' && (payload.status === 'received_by_server' || payload.status === 'rejected')) {
		return {ok: false, error: `${payload.status} may only come from ${SERVER_ID}`};
	}
	if (payload.type === 'message' && (payload.message_type !== 'text' || payload.seq !== undefined || payload.prev_seq !== undefined || payload.event !== undefined)) {
		return {ok: false, error: 'system messages, seq, prev_seq and event are set by the server only'};
	}
	const reply = payload.type === 'message' ? payload.reply_to : undefined;
	if (reply && (reply.seq !== undefined || reply.sender_name !== undefined || reply.preview !== undefined)) {
		return {ok: false, error: 'reply_to seq, sender_name and preview are set by the server only'};
	}
	if ((payload.type === 'edit' || payload.type === 'delete' || payload.type === 'react') && payload.applied_at !== undefined) {
		return {ok: false, error: 'applied_at is set by the server only'};
	}
	return {ok: true, payload};
}

/** Whether a decoded JSON value claims protocol version 2 or later (`v` ≥ 2); v1 has no `v`. */
export function isVersion2(json: unknown): boolean {
	return typeof json === 'object' && json !== null && typeof (json as {v?: unknown}).v === 'number' && (json as {v: number}).v >= 2;
}

/**
 * Encode a v2 payload (JSON, UTF-8).
 * @throws Error when it does not satisfy its schema or exceeds {@link MAX_PAYLOAD_BYTES} (a programming error).
 */
export function encodeV2(payload: z.input<typeof payloadV2>): Buffer {
	const checked = payloadV2.parse(payload);
	const bytes = Buffer.from(JSON.stringify(checked), 'utf8');
	if (bytes.byteLength > MAX_PAYLOAD_BYTES) throw new Error(`payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
	return bytes;
}
