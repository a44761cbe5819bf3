// Payload schemas of the hermes-chat wire protocol (docs/protocol.md): JSON, UTF-8.
// Pure: imports zod and protocol/ only.
import {z} from 'zod';
import {
	BROADCAST_ID,
	PRESENCE_ID,
	SERVER_ID,
	isValidUserId,
	parseTopic,
} from './topics.js';

// One decoder for every payload (issue 12: a new one per publish was garbage on the ingester's
// hot path); decode() without `stream` keeps no state between calls. fatal: invalid UTF-8 throws.
const STRICT_UTF8 = new TextDecoder('utf-8', {fatal: true});

/** Largest payload accepted on any chat topic, in bytes. */
export const MAX_PAYLOAD_BYTES = 16_384;
/** Longest message `content`, in UTF-16 code units (JavaScript string length). */
export const MAX_CONTENT_LENGTH = 4_000;
/** Longest display name, in characters (the `sender_name` column is varchar(100)). */
export const MAX_NAME_LENGTH = 100;
/** Longest presence status message, in characters. */
export const MAX_STATUS_MESSAGE_LENGTH = 200;
/** Longest `reason` of a `rejected` receipt, in characters. */
export const MAX_REASON_LENGTH = 200;

/** Delivery states of a message, in order (the Hermes status flow). */
export const STATUS_FLOW = ['sent', 'received_by_server', 'delivered', 'read'] as const;
/** One state of {@link STATUS_FLOW}. */
export type DeliveryStatus = (typeof STATUS_FLOW)[number];

/** Rank of a status in the flow (0 = sent … 3 = read), for "never go backwards" merges. */
export function statusRank(status: DeliveryStatus): number {
	return STATUS_FLOW.indexOf(status);
}

/** Presence states a user can publish. */
export const PRESENCE_STATES = ['online', 'away', 'busy', 'offline'] as const;
/** One of {@link PRESENCE_STATES}. */
export type PresenceState = (typeof PRESENCE_STATES)[number];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL could not store `text` exactly as sent, or undefined when it can: a NUL
 * character (`text` columns refuse U+0000, SQLSTATE 22P05) or a lone UTF-16 surrogate (not
 * Unicode: the driver would store U+FFFD instead, silently altering the message).
 * The schemas below and the client's own checks both use it, so a message the server can
 * never store is refused before it is sent.
 */
export function unstorableTextReason(text: string): string | undefined {
	if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which PostgreSQL cannot store';
	if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not Unicode text)';
	return undefined;
}

/** A string refinement: text PostgreSQL stores exactly as sent ({@link unstorableTextReason}). */
const storable = (schema: z.ZodString) =>
	schema.superRefine((text, ctx) => {
		const reason = unstorableTextReason(text);
		if (reason) ctx.addIssue({code: 'custom', message: reason});
	});

/**
 * Why PostgreSQL `timestamptz` cannot hold an ISO 8601 time that JavaScript accepts, or
 * undefined: year 0000 does not exist there, and a zone offset must stay under 16 hours.
 */
export function unstorableTimestampReason(iso: string): string | undefined {
	if (iso.startsWith('0000')) return 'year 0000 cannot be stored';
	const offset = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
	if (offset && Number(offset[2]) >= 16) return 'a zone offset of 16 hours or more cannot be stored';
	return undefined;
}

const userId = z.string().refine(isValidUserId, 'must be 1-64 of A-Z a-z 0-9 _ . - and not a reserved id');
const recipientId = z
	.string()
	.refine((id) => id === BROADCAST_ID || isValidUserId(id), 'must be a user id or "all"');
const messageId = z.string().regex(/^[A-Za-z0-9._:-]{1,255}$/, 'must be 1-255 of A-Z a-z 0-9 . _ : -');
const name = storable(z.string().trim().min(1).max(MAX_NAME_LENGTH));
const timestamp = z.iso.datetime({offset: true}).superRefine((iso, ctx) => {
	const reason = unstorableTimestampReason(iso);
	if (reason) ctx.addIssue({code: 'custom', message: reason});
});
/** Message text: 1–4,000 UTF-16 code units, not only blanks, storable. */
const content = storable(z.string().min(1).max(MAX_CONTENT_LENGTH)).refine((text) => text.trim() !== '', 'must not be blank');

/** `type: "message"`: a chat message, QoS 1, on `{base}/{receiver_id}/{sender_id}`. */
export const messagePayload = z.strictObject({
	type: z.literal('message'),
	message_id: messageId,
	sender_id: userId,
	sender_name: name,
	receiver_id: recipientId,
	content,
	message_type: z.enum(['text']).default('text'),
	/** Client send time, ISO 8601. */
	timestamp,
});
/** A decoded `message` payload. */
export type MessagePayload = z.infer<typeof messagePayload>;

/** Receipt kinds only the ingester publishes, on `{base}/{original_sender}/server`. */
export const SERVER_STATUSES = ['received_by_server', 'rejected'] as const;

/**
 * `type: "status"`: a delivery receipt, QoS 1, on `{base}/{original_sender}/{user_id}`
 * (or `{base}/{original_sender}/server` for `received_by_server` and `rejected`).
 * `user_id` is the user the transition is about: the recipient for `delivered`/`read`,
 * the original sender for `received_by_server`/`rejected`. `rejected` (protocol 1.1,
 * additive) means the server will never store that message; `reason` says why in one line
 * (1–200 characters) and is only allowed there.
 */
export const statusPayload = z
	.strictObject({
		type: z.literal('status'),
		message_id: messageId,
		status: z.enum(['received_by_server', 'delivered', 'read', 'rejected']),
		user_id: userId,
		timestamp,
		reason: storable(z.string().min(1).max(MAX_REASON_LENGTH)).optional(),
	})
	.refine((p) => (p.reason !== undefined) === (p.status === 'rejected'), {
		message: 'reason is required for, and only allowed on, a rejected receipt',
		path: ['reason'],
	});
/** A decoded `status` payload. */
export type StatusPayload = z.infer<typeof statusPayload>;

/** `type: "typing"`: QoS 0, never retained, on `{base}/{receiver_id}/{sender_id}`. */
export const typingPayload = z.strictObject({
	type: z.literal('typing'),
	sender_id: userId,
	sender_name: name,
	receiver_id: recipientId,
	is_typing: z.boolean(),
	timestamp,
});
/** A decoded `typing` payload. */
export type TypingPayload = z.infer<typeof typingPayload>;

/** `type: "presence"`: QoS 1, retained, on `{base}/presence/{user_id}`; also the Last Will. */
export const presencePayload = z.strictObject({
	type: z.literal('presence'),
	user_id: userId,
	user_name: name,
	state: z.enum(PRESENCE_STATES),
	status_message: storable(z.string().max(MAX_STATUS_MESSAGE_LENGTH)).default(''),
	timestamp,
});
/** A decoded `presence` payload. */
export type PresencePayload = z.infer<typeof presencePayload>;

/** Any payload of the protocol, discriminated by `type`. */
export const chatPayload = z.discriminatedUnion('type', [
	messagePayload,
	statusPayload,
	typingPayload,
	presencePayload,
]);
/** A decoded payload of any type. */
export type ChatPayload = z.infer<typeof chatPayload>;

/** Result of {@link decodePayload}: a typed payload or a one-line reason. */
export type Decoded =
	| {ok: true; payload: ChatPayload; to: string; from: string}
	| {ok: false; error: string};

/**
 * Decode and validate one publish: the topic must be `{base}/{to}/{from}`, the payload
 * at most {@link MAX_PAYLOAD_BYTES} of UTF-8 JSON matching {@link chatPayload}, and the
 * topic must agree with the payload (the publisher in `from` is the payload's author,
 * the recipient in `to` is its addressee). Never throws.
 * @returns `{ok:false, error}` with a one-line reason for anything invalid.
 */
export function decodePayload(base: string, topic: string, bytes: Uint8Array): Decoded {
	const route = parseTopic(base, topic);
	if (!route) return {ok: false, error: `topic ${JSON.stringify(topic)} is not ${base}/{to}/{from}`};
	if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
		return {ok: false, error: `payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`};
	}
	let json: unknown;
	try {
		json = JSON.parse(STRICT_UTF8.decode(bytes));
	} catch (error) {
		return {ok: false, error: `payload is not UTF-8 JSON (${(error as Error).message})`};
	}
	const parsed = chatPayload.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const where = issue?.path.length ? issue.path.join('.') : 'payload';
		return {ok: false, error: `invalid ${where}: ${issue?.message ?? 'schema mismatch'}`};
	}
	const payload = parsed.data;
	const mismatch = routeMismatch(payload, route.to, route.from);
	if (mismatch) return {ok: false, error: mismatch};
	return {ok: true, payload, to: route.to, from: route.from};
}

/**
 * Who should be told that a publish was refused: for a `message` that failed
 * {@link decodePayload}, its publisher (the topic's `from` level: a broker ACL makes that the
 * real publisher) and its `message_id`, when both are valid; undefined for anything else
 * (other types, an unreadable id or topic, an oversized payload — a client never sends one).
 * The ingester answers these with a `rejected` receipt so the sender stops re-sending.
 * Never throws.
 */
export function rejectionTarget(base: string, topic: string, bytes: Uint8Array): {senderId: string; messageId: string} | undefined {
	const route = parseTopic(base, topic);
	if (!route || !isValidUserId(route.from) || bytes.byteLength > MAX_PAYLOAD_BYTES) return undefined;
	let json: unknown;
	try {
		json = JSON.parse(STRICT_UTF8.decode(bytes));
	} catch {
		return undefined;
	}
	if (typeof json !== 'object' || json === null) return undefined;
	const {type, message_id: id} = json as Record<string, unknown>;
	if (type !== 'message' || !messageId.safeParse(id).success) return undefined;
	return {senderId: route.from, messageId: id as string};
}

function routeMismatch(p: ChatPayload, to: string, from: string): string | undefined {
	switch (p.type) {
		case 'message':
		case 'typing':
			if (from !== p.sender_id) return `sender_id ${p.sender_id} published on ${from}'s topic`;
			if (to !== p.receiver_id) return `receiver_id ${p.receiver_id} published to ${to}'s inbox`;
			return undefined;
		case 'status':
			if (p.status === 'received_by_server' || p.status === 'rejected') {
				return from === SERVER_ID ? undefined : `${p.status} may only come from ${SERVER_ID}`;
			}
			return from === p.user_id ? undefined : `status by ${p.user_id} published on ${from}'s topic`;
		case 'presence':
			if (to !== PRESENCE_ID) return `presence must be published to ${PRESENCE_ID}`;
			return from === p.user_id ? undefined : `presence of ${p.user_id} published on ${from}'s topic`;
	}
}

/**
 * Encode a payload for publishing (JSON, UTF-8).
 * @throws Error when the payload does not satisfy its schema (a programming error).
 */
export function encodePayload(payload: ChatPayload): Buffer {
	const checked = chatPayload.parse(payload);
	const bytes = Buffer.from(JSON.stringify(checked), 'utf8');
	if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
		throw new Error(`payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
	}
	return bytes;
}
