// What an outbox file entry is: a v2 message, room or message action payload of mine, or — in files written by
// the previous release (protocol 1) — a v1 message, converted here to v2 so it is resent to the
// server topic under the same message id. Pure: imports protocol/ only.
import {
	SERVER_ID,
	conversationIdFor,
	decodePayload,
	decodeV2,
	serverTopic,
	PROTOCOL_VERSION,
	isMessageAction,
	type MessageActionV2,
	type MessageV2,
	type RoomV2,
} from '../protocol/index.js';

/** A payload the outbox keeps until the server confirms (or rejects) it: a message, a room action, an edit, delete or reaction. */
export type OutboxPayload = MessageV2 | RoomV2 | MessageActionV2;

/** Result of {@link decodeOutboxEntry}: the payload to queue again, or why the entry is dropped. */
export type DecodedEntry = {ok: true; payload: OutboxPayload; isConverted: boolean} | {ok: false; error: string};

/**
 * Decode one persisted outbox entry of `me`. Entries on my server topic
 * (`{base}/server/{me}`) are v2 `message`/`room` payloads; entries on any other topic are the
 * previous release's v1 messages (`{base}/{to}/{me}`), converted to a v2 `message` with the same
 * message id, content and timestamp and `conversation_id` = protocol 1's conversationIdFor —
 * so a copy the server stored already from the v1 publish is a duplicate, confirmed again.
 * Never throws.
 */
export function decodeOutboxEntry(base: string, me: string, entry: {topic: string; payload: string}): DecodedEntry {
	const bytes = Buffer.from(entry.payload, 'utf8');
	if (entry.topic === serverTopic(base, me)) {
		const decoded = decodeV2(me, bytes);
		if (!decoded.ok) return decoded;
		const {payload} = decoded;
		if (payload.type !== 'message' && payload.type !== 'room' && !isMessageAction(payload)) return {ok: false, error: `a ${payload.type} is not kept in the outbox`};
		return {ok: true, payload, isConverted: false};
	}
	const decoded = decodePayload(base, entry.topic, bytes);
	if (!decoded.ok) return decoded;
	const {payload} = decoded;
	if (payload.type !== 'message' || payload.sender_id !== me || decoded.from !== me || decoded.to === SERVER_ID) {
		return {ok: false, error: 'not my message'};
	}
	return {
		ok: true,
		isConverted: true,
		payload: {
			v: PROTOCOL_VERSION,
			type: 'message',
			message_id: payload.message_id,
			conversation_id: conversationIdFor(payload.sender_id, payload.receiver_id),
			sender_id: payload.sender_id,
			sender_name: payload.sender_name,
			content: payload.content,
			message_type: 'text',
			timestamp: payload.timestamp,
		},
	};
}
