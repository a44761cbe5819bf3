// Maps decoded wire payloads to the core's domain values (ChatMessage, Receipt, Presence).
// Pure: imports protocol/ and core/ only.
import {conversationIdFor, type MessagePayload, type PresencePayload, type StatusPayload} from '../protocol/index.js';
import type {ChatMessage, Presence, Receipt} from '../core/types.js';

/**
 * A message as it arrived over MQTT: not stored yet, so no `seq`. `createdAt` is `receivedAt`
 * (ms, this client's clock) when given, else the payload timestamp (the sender's clock, for my
 * own messages). A peer's clock is never trusted for order or display: a payload stamped 2099
 * would otherwise pin its sender to the top of the list. The stored copy (history pages)
 * later replaces it with the server's commit time and `seq`. `status` is `sent`: the broker had it.
 */
export function messageFromPayload(payload: MessagePayload, receivedAt?: number): ChatMessage {
	return {
		messageId: payload.message_id,
		senderId: payload.sender_id,
		senderName: payload.sender_name,
		receiverId: payload.receiver_id,
		conversationId: conversationIdFor(payload.sender_id, payload.receiver_id),
		content: payload.content,
		createdAt: receivedAt ?? Date.parse(payload.timestamp),
		status: 'sent',
	};
}

/** A receipt (`at` = the payload timestamp, in ms); a `rejected` one is not a receipt (see ChatMessage.rejectedReason). */
export function receiptFromPayload(payload: StatusPayload & {status: Receipt['status']}): Receipt {
	return {messageId: payload.message_id, status: payload.status, userId: payload.user_id, at: Date.parse(payload.timestamp)};
}

/** A presence (`at` = when it was published, in ms). */
export function presenceFromPayload(payload: PresencePayload): Presence {
	return {
		userId: payload.user_id,
		name: payload.user_name,
		state: payload.state,
		statusMessage: payload.status_message,
		at: Date.parse(payload.timestamp),
	};
}
