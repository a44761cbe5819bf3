// Protocol 2 message actions (issue 10, docs/protocol.md "Message actions"): a reply reference on
// `message`, and `edit`, `delete`, `react` — client → server on `{base}/server/{me}`, and the same
// payloads with `applied_at` as the server's deliveries of the committed change to the members.
// Pure: imports zod and protocol/ only.
import {z} from 'zod';
import {content, conversationId, messageId, name, storable, timestamp, userId, version} from './v2-fields.js';

/** Most edits of one message (versions 1…50): bounds `message_versions` per message. */
export const MAX_EDITS = 50;
/** Longest reaction, in UTF-8 bytes (one emoji; a family or a flag sequence is ≤ 32). */
export const MAX_EMOJI_BYTES = 32;
/** Most distinct emoji on one message; a new one beyond it is refused (adding to an existing one is not). */
export const MAX_DISTINCT_REACTIONS = 20;
/** Longest reply preview the server delivers, in characters (the start of the original's text). */
export const MAX_REPLY_PREVIEW_LENGTH = 100;

const graphemes = new Intl.Segmenter('en', {granularity: 'grapheme'});
// An emoji has a pictographic code point, a regional indicator (flags) or the keycap mark (1️⃣).
const EMOJI_MARK = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]/u;
// Joiners of emoji sequences (ZWJ, VS16, tag characters of subdivision flags) are allowed; other
// space, control and format characters are not.
const EMOJI_JOINERS = /[\u200D\uFE0F\u{E0020}-\u{E007F}]/gu;
const NOT_IN_EMOJI = /[\p{White_Space}\p{Cc}\p{Cf}]/u;

/**
 * Why `text` is not one reaction emoji (one line), or undefined: exactly one grapheme cluster
 * (Unicode UAX #29, as `Intl.Segmenter` splits it), at most {@link MAX_EMOJI_BYTES} bytes of
 * UTF-8, with a pictographic code point, regional indicator or keycap, and no space, control or
 * format character other than ZWJ, VS16 and tag characters (which build emoji sequences).
 */
export function refuseEmoji(text: string): string | undefined {
	if (text === '') return 'a reaction needs an emoji';
	if (new TextEncoder().encode(text).byteLength > MAX_EMOJI_BYTES) return `a reaction is at most ${MAX_EMOJI_BYTES} bytes`;
	if ([...graphemes.segment(text)].length !== 1) return 'a reaction is one emoji';
	if (!EMOJI_MARK.test(text) || NOT_IN_EMOJI.test(text.replace(EMOJI_JOINERS, ''))) return 'a reaction is one emoji';
	return undefined;
}

const emoji = z.string().superRefine((text, ctx) => {
	const reason = refuseEmoji(text);
	if (reason) ctx.addIssue({code: 'custom', message: reason});
});

/** The message an action or a reply is about: a message is (sender_id, message_id). */
export const messageRef = z.object({sender_id: userId, message_id: messageId});

/**
 * `reply_to` of a v2 `message`: the original (same conversation). A client sends `sender_id` and
 * `message_id` only; the server's delivery adds the original's `seq`, `sender_name` and
 * `preview` (its first ≤ 100 characters; absent when it is deleted).
 */
export const replyRef = messageRef.extend({
	seq: z.number().int().positive().optional(),
	sender_name: name.optional(),
	preview: storable(z.string().max(MAX_REPLY_PREVIEW_LENGTH)).optional(),
});

const actionHeader = {
	/** The action's own idempotency id (the client re-sends it until ✓ or ✗), not the target's. */
	message_id: messageId,
	conversation_id: conversationId,
	/** Who acts (the publisher; a delete by a room admin names the admin here). */
	sender_id: userId,
	sender_name: name,
	/** The message acted on. */
	target: messageRef,
	timestamp,
	/** Server deliveries only: when the change was committed. */
	applied_at: timestamp.optional(),
};

/**
 * `type: "edit"`: replace the text of my own text message with `content`, as edit number
 * `version` (1…{@link MAX_EDITS}): the server applies it only when `version` is higher than the
 * stored one, so an older edit never overwrites a newer one, and never after a delete.
 */
export const editV2 = z.object({v: version, type: z.literal('edit'), ...actionHeader, content, version: z.number().int().min(1).max(MAX_EDITS)});
/** A decoded `edit`. */
export type EditV2 = z.infer<typeof editV2>;

/** `type: "delete"`: soft-delete a message (my own, or anyone's text message in a room I administer). */
export const deleteV2 = z.object({v: version, type: z.literal('delete'), ...actionHeader});
/** A decoded `delete`. */
export type DeleteV2 = z.infer<typeof deleteV2>;

/** `type: "react"`: add (`is_on: true`) or take back (`false`) my reaction `emoji` on a message. */
export const reactV2 = z.object({v: version, type: z.literal('react'), ...actionHeader, emoji, is_on: z.boolean()});
/** A decoded `react`. */
export type ReactV2 = z.infer<typeof reactV2>;

/** Any message action payload. */
export type MessageActionV2 = EditV2 | DeleteV2 | ReactV2;

/** Whether a decoded v2 payload is a message action (`edit`, `delete`, `react`). */
export function isMessageAction(payload: {type: string}): payload is MessageActionV2 {
	return payload.type === 'edit' || payload.type === 'delete' || payload.type === 'react';
}
