// Checks and builds what the client publishes on the user's behalf: one-line refusals with
// what to do, and the message payload (protocol 2). Pure: imports protocol/ and core/ types only.
import {
	MAX_CONTENT_LENGTH,
	MAX_PAYLOAD_BYTES,
	MAX_STATUS_MESSAGE_LENGTH,
	PROTOCOL_VERSION,
	conversationKindOf,
	encodeV2,
	unstorableTextReason,
	isValidUserId,
	type MessageV2,
} from '../protocol/index.js';
import type {Identity} from '../core/types.js';

/** Why `to` is not a user id one can talk to (one line), or undefined when it is one or `all`. */
export function refuseRecipient(to: string): string | undefined {
	if (to === 'all' || isValidUserId(to)) return undefined;
	return `"${to}" is not a user id — use 1-64 letters, digits, _ . or -`;
}

/**
 * Why I cannot write to conversation `conversationId` (one line), or undefined: it must be
 * `all`, a room id (`room-…`) or a direct id `a:b` (sorted) that has me as a or b.
 */
export function refuseConversation(me: string, conversationId: string): string | undefined {
	const kind = conversationKindOf(conversationId);
	if (kind === undefined) return `"${conversationId}" is not a conversation — open a chat with a user, a room or all`;
	if (kind === 'direct' && !conversationId.split(':').includes(me)) return `"${conversationId}" is a conversation of two other people`;
	return undefined;
}

/** The v2 `message` payload I publish (message_type `text`, timestamp = `now`), replying to `replyTo` when given. */
export function messagePayloadFor(me: Identity, conversationId: string, content: string, messageId: string, now: Date, replyTo?: {messageId: string; senderId: string}): MessageV2 {
	return {
		...(replyTo ? {reply_to: {sender_id: replyTo.senderId, message_id: replyTo.messageId}} : {}),
		v: PROTOCOL_VERSION,
		type: 'message',
		message_id: messageId,
		conversation_id: conversationId,
		sender_id: me.userId,
		sender_name: me.name,
		content,
		message_type: 'text',
		timestamp: now.toISOString(),
	};
}

/**
 * Why `payload` cannot be sent (one line with what to do), or undefined when it can: a bad
 * conversation, blank content, text PostgreSQL cannot store (NUL, a lone surrogate), more than
 * MAX_CONTENT_LENGTH characters, or an encoded size over MAX_PAYLOAD_BYTES (possible with many
 * characters JSON escapes as `\uXXXX`).
 */
export function refuseMessage(payload: MessageV2): string | undefined {
	const badConversation = refuseConversation(payload.sender_id, payload.conversation_id);
	if (badConversation) return badConversation;
	const {content} = payload;
	if (content.trim() === '') return 'nothing to send — type a message first';
	// The same check as the schema (protocol unstorableTextReason): refused here, not after sending.
	const unstorable = unstorableTextReason(content) ?? unstorableTextReason(payload.sender_name);
	if (unstorable) return `message not sent: it ${unstorable} — remove that character`;
	if (content.length > MAX_CONTENT_LENGTH) {
		return `message is ${content.length} characters; the limit is ${MAX_CONTENT_LENGTH} — split it`;
	}
	try {
		encodeV2(payload);
	} catch {
		return `message is over ${MAX_PAYLOAD_BYTES} bytes once encoded — shorten it`;
	}
	return undefined;
}

/** Why a presence status message is refused, or undefined. */
export function refuseStatusMessage(statusMessage: string): string | undefined {
	const unstorable = unstorableTextReason(statusMessage);
	if (unstorable) return `status message not set: it ${unstorable} — remove that character`;
	if (statusMessage.length <= MAX_STATUS_MESSAGE_LENGTH) return undefined;
	return `status message is ${statusMessage.length} characters; the limit is ${MAX_STATUS_MESSAGE_LENGTH} — shorten it`;
}
