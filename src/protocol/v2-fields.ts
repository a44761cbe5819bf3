// Field schemas shared by the protocol 2 payloads (v2.ts) and the message actions (v2-actions.ts):
// ids, names, text and timestamps as the server stores them. Pure: imports zod and protocol/ only.
import {z} from 'zod';
import {MAX_CONTENT_LENGTH, MAX_NAME_LENGTH, unstorableTextReason, unstorableTimestampReason} from './payloads.js';
import {BROADCAST_ID, isValidUserId} from './topics.js';

/** The protocol major version of the payloads of protocol 2 (`v` field). */
export const PROTOCOL_VERSION = 2;

/** Kinds of conversation (the `conversations.kind` column). */
export const CONVERSATION_KINDS = ['direct', 'group', 'broadcast'] as const;
/** One of {@link CONVERSATION_KINDS}. */
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];

const GROUP_ID = /^room-[A-Za-z0-9_-]{1,96}$/;

/**
 * The kind of a conversation id, or undefined when `id` is not one: `all` (broadcast), two
 * valid user ids sorted and joined by `:` (direct; the same id as protocol 1's
 * conversationIdFor), or `room-` + 1–96 of `A-Z a-z 0-9 _ -` (group, chosen by its creator's
 * client, normally `room-` + a UUID v4).
 */
export function conversationKindOf(id: string): ConversationKind | undefined {
	if (id === BROADCAST_ID) return 'broadcast';
	if (GROUP_ID.test(id)) return 'group';
	const parts = id.split(':');
	if (parts.length === 2 && isValidUserId(parts[0]!) && isValidUserId(parts[1]!) && parts[0]! < parts[1]!) return 'direct';
	return undefined;
}

/** The two members of a direct conversation id (`a:b` → ['a', 'b']); undefined for other kinds. */
export function directMembersOf(id: string): [string, string] | undefined {
	if (conversationKindOf(id) !== 'direct') return undefined;
	const [a, b] = id.split(':') as [string, string];
	return [a, b];
}

/** `schema`, refusing text PostgreSQL cannot store (NUL, lone surrogates). */
export const storable = (schema: z.ZodString) =>
	schema.superRefine((text, ctx) => {
		const reason = unstorableTextReason(text);
		if (reason) ctx.addIssue({code: 'custom', message: reason});
	});
/** `v: 2`. */
export const version = z.literal(PROTOCOL_VERSION);
/** A user id (topics USER_ID_PATTERN, not a reserved id). */
export const userId = z.string().refine(isValidUserId, 'must be 1-64 of A-Z a-z 0-9 _ . - and not a reserved id');
/** A conversation id: `all`, `a:b` (sorted) or `room-…`. */
export const conversationId = z.string().refine((id) => conversationKindOf(id) !== undefined, 'must be all, a direct id a:b (sorted) or room-…');
/** A message id (also the idempotency id of actions): 1–255 of A-Z a-z 0-9 . _ : -. */
export const messageId = z.string().regex(/^[A-Za-z0-9._:-]{1,255}$/, 'must be 1-255 of A-Z a-z 0-9 . _ : -');
/** A display name, 1–100 characters. */
export const name = storable(z.string().trim().min(1).max(MAX_NAME_LENGTH));
/** An ISO 8601 time PostgreSQL can store. */
export const timestamp = z.iso.datetime({offset: true}).superRefine((iso, ctx) => {
	const reason = unstorableTimestampReason(iso);
	if (reason) ctx.addIssue({code: 'custom', message: reason});
});
/** Message text: 1–4000 characters, not blank, storable. */
export const content = storable(z.string().min(1).max(MAX_CONTENT_LENGTH)).refine((text) => text.trim() !== '', 'must not be blank');

