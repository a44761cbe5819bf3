// Checks and builds what the client publishes on the user's behalf: one-line refusals with
// what to do, and the message payload. Pure: imports protocol/ and core/ types only.
import {
	BROADCAST_ID,
	MAX_CONTENT_LENGTH,
	MAX_PAYLOAD_BYTES,
	MAX_STATUS_MESSAGE_LENGTH,
	encodePayload,
	unstorableTextReason,
	isValidUserId,
	type MessagePayload,
} from '../protocol/index.js';
import type {Identity} from '../core/types.js';

/** Why `to` cannot be written to (one line), or undefined when it is a user id or `all`. */
export function refuseRecipient(to: string): string | undefined {
	if (to === BROADCAST_ID || isValidUserId(to)) return undefined;
	return `"${to}" is not a user id — use 1-64 letters, digits, _ . or -`;
}

/** The `message` payload I publish (message_type `text`, timestamp = `now`). */
export function messagePayloadFor(me: Identity, to: string, content: string, messageId: string, now: Date): MessagePayload {
	return {
		type: 'message',
		message_id: messageId,
		sender_id: me.userId,
		sender_name: me.name,
		receiver_id: to,
		content,
		message_type: 'text',
		timestamp: now.toISOString(),
	};
}

/**
 * Why `payload` cannot be sent (one line with what to do), or undefined when it can:
 * a bad recipient, blank content, text PostgreSQL cannot store (NUL, a lone surrogate), more than MAX_CONTENT_LENGTH characters, or an encoded
 * size over MAX_PAYLOAD_BYTES (possible with many characters JSON escapes as `\uXXXX`).
 */
export function refuseMessage(payload: MessagePayload): string | undefined {
	const badRecipient = refuseRecipient(payload.receiver_id);
	if (badRecipient) return badRecipient;
	const {content} = payload;
	if (content.trim() === '') return 'nothing to send — type a message first';
	// The same check as the schema (protocol unstorableTextReason): refused here, not after sending.
	const unstorable = unstorableTextReason(content) ?? unstorableTextReason(payload.sender_name);
	if (unstorable) return `message not sent: it ${unstorable} — remove that character`;
	if (content.length > MAX_CONTENT_LENGTH) {
		return `message is ${content.length} characters; the limit is ${MAX_CONTENT_LENGTH} — split it`;
	}
	try {
		encodePayload(payload);
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
