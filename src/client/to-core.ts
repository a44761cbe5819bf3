// Maps decoded wire payloads to the core's domain values (ChatMessage, Receipt, Presence).
// Pure: imports protocol/ and core/ only.
import {conversationKindOf, type MessageActionV2, type MessageV2, type PresencePayload, type StatusV2} from '../protocol/index.js';
import type {ChatMessage, MessageChange, Presence, Receipt} from '../core/types.js';

/**
 * The Hermes `receiver_id` of a message in `conversationId` sent by `senderId`: the peer
 * (direct), `all` (broadcast) or the conversation id (group).
 */
export function receiverIdFor(conversationId: string, senderId: string): string {
	if (conversationKindOf(conversationId) !== 'direct') return conversationId;
	const [a, b] = conversationId.split(':') as [string, string];
	return a === senderId ? b : a;
}

/**
 * A v2 message as it arrived over MQTT or as I send it. A server delivery carries `seq` and
 * `created_at` (the server's commit time: trusted for order and display); without them
 * `createdAt` is `receivedAt` (ms, this client's clock) when given, else the payload timestamp
 * (the sender's clock, for my own messages). A peer's clock is never trusted: a payload stamped
 * 2099 would otherwise pin its sender to the top of the list. `status` is `sent`.
 */
export function messageFromPayload(payload: MessageV2, receivedAt?: number): ChatMessage {
	const {event} = payload;
	return {
		messageId: payload.message_id,
		messageType: payload.message_type,
		...(event
			? {
					event: {
						action: event.action,
						userIds: event.user_ids,
						...(event.title !== undefined ? {title: event.title} : {}),
						...(event.topic !== undefined ? {topic: event.topic} : {}),
						...(event.promoted ? {promoted: event.promoted} : {}),
					},
				}
			: {}),
		...(payload.seq !== undefined ? {seq: payload.seq} : {}),
		senderId: payload.sender_id,
		senderName: payload.sender_name,
		receiverId: receiverIdFor(payload.conversation_id, payload.sender_id),
		conversationId: payload.conversation_id,
		content: payload.content,
		createdAt: payload.created_at !== undefined ? Date.parse(payload.created_at) : (receivedAt ?? Date.parse(payload.timestamp)),
		status: 'sent',
		...(payload.reply_to
			? {
					replyTo: {
						messageId: payload.reply_to.message_id,
						senderId: payload.reply_to.sender_id,
						...(payload.reply_to.sender_name !== undefined ? {senderName: payload.reply_to.sender_name} : {}),
						...(payload.reply_to.preview !== undefined ? {preview: payload.reply_to.preview} : {}),
						...(payload.reply_to.seq !== undefined ? {seq: payload.reply_to.seq} : {}),
					},
				}
			: {}),
	};
}

/**
 * A change the server committed (an `edit`, `delete` or `react` delivery with `applied_at`) as
 * the core's MessageChange: `senderId` is the target's sender; the actor is `deletedBy` /
 * `userId`; times are `applied_at` in ms.
 */
export function changeFromPayload(payload: MessageActionV2 & {applied_at: string}): MessageChange {
	const at = Date.parse(payload.applied_at);
	const ref = {conversationId: payload.conversation_id, messageId: payload.target.message_id, senderId: payload.target.sender_id};
	switch (payload.type) {
		case 'edit':
			return {kind: 'edit', ...ref, content: payload.content, version: payload.version, editedAt: at};
		case 'delete':
			return {kind: 'delete', ...ref, deletedBy: payload.sender_id, deletedAt: at};
		case 'react':
			return {kind: 'reaction', ...ref, emoji: payload.emoji, userId: payload.sender_id, isOn: payload.is_on, at};
	}
}

/**
 * A receipt about my message (`at` = the payload timestamp, in ms; `userId` the member it is
 * about, `senderId` the message's sender); a `rejected` one is not a receipt (see ChatMessage.rejectedReason).
 */
export function receiptFromPayload(payload: StatusV2 & {status: Receipt['status']}): Receipt {
	return {messageId: payload.message_id, senderId: payload.sender_id, status: payload.status, userId: payload.user_id, at: Date.parse(payload.timestamp)};
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
