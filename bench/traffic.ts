// The benchmark's chat traffic: the same messages for every mode (MQTT publishers, COPY, one
// INSERT per message), so each figure and its baselines move the same rows.
import {conversationIdFor} from '../src/protocol/index.js';

/** Target size of one publish payload in bytes (the "~300 bytes"). */
export const PAYLOAD_BYTES = 300;
/** Senders per publisher process, each writing to its own peer: 10 direct conversations each. */
export const SENDERS_PER_PUBLISHER = 10;

/** One chat message as the protocol's v1 `message` fields (docs/protocol.md). */
export interface BenchMessage {
	message_id: string;
	sender_id: string;
	sender_name: string;
	receiver_id: string;
	content: string;
	conversation_id: string;
}

/** Message `i` (0-based) of publisher `publisher` in run `runId`. */
export function benchMessage(runId: string, publisher: number, i: number): BenchMessage {
	const k = i % SENDERS_PER_PUBLISHER;
	const sender = `${runId}p${publisher}u${k}`;
	const receiver = `${runId}p${publisher}r${k}`;
	const message: BenchMessage = {
		message_id: `${runId}-${publisher}-${i}`,
		sender_id: sender,
		sender_name: `Bench ${k}`,
		receiver_id: receiver,
		content: '',
		conversation_id: conversationIdFor(sender, receiver),
	};
	// Pad the text so the whole JSON payload is PAYLOAD_BYTES (ASCII: bytes = characters).
	const bare = payloadOf(message, '2026-01-01T00:00:00.000Z').length;
	message.content = `benchmark message ${i} `.padEnd(Math.max(20, PAYLOAD_BYTES - bare), 'x');
	return message;
}

/** The v1 `message` publish of `message` sent at `timestamp` (ISO 8601). */
export function payloadOf(message: BenchMessage, timestamp: string): string {
	return JSON.stringify({
		type: 'message', message_id: message.message_id, sender_id: message.sender_id, sender_name: message.sender_name,
		receiver_id: message.receiver_id, content: message.content, message_type: 'text', timestamp,
	});
}

/** How many of `total` messages publisher `p` of `publishers` sends (the first ones take the rest). */
export function shareOf(total: number, publishers: number, p: number): number {
	return Math.floor(total / publishers) + (p < total % publishers ? 1 : 0);
}
