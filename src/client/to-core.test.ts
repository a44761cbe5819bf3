// Wire payloads → core values: a peer's clock never decides order or display.
import {describe, expect, it} from 'vitest';
import type {MessageV2} from '../protocol/index.js';
import {messageFromPayload} from './to-core.js';

const payload: MessageV2 = {
	v: 2,
	type: 'message',
	message_id: 'm-2099',
	conversation_id: 'alice:mallory',
	sender_id: 'mallory',
	sender_name: 'Mallory',
	content: 'from the future',
	message_type: 'text',
	timestamp: '2099-01-01T00:00:00.000Z',
};

describe('messageFromPayload', () => {
	it('stamps a received message with the arrival time, not the sender clock (a 2099 stamp does not pin it to the top)', () => {
		const arrived = Date.UTC(2026, 10, 30, 10, 3);
		expect(messageFromPayload(payload, arrived)).toMatchObject({messageId: 'm-2099', createdAt: arrived, status: 'sent', conversationId: 'alice:mallory'});
	});

	it('keeps the payload time for my own message (same clock as the screen)', () => {
		expect(messageFromPayload(payload).createdAt).toBe(Date.UTC(2099, 0, 1));
	});

	it('takes seq and the server commit time of a v2 delivery, and the receiver by conversation kind', () => {
		const delivered = messageFromPayload({...payload, seq: 42, created_at: '2026-11-30T10:03:00.000Z'}, 1);
		expect(delivered).toMatchObject({seq: 42, createdAt: Date.UTC(2026, 10, 30, 10, 3), receiverId: 'alice', messageType: 'text'});
		const system = messageFromPayload({...payload, conversation_id: 'room-x', message_type: 'system', event: {action: 'kick', user_ids: ['bob']}});
		expect(system).toMatchObject({receiverId: 'room-x', messageType: 'system', event: {action: 'kick', userIds: ['bob']}});
		expect(messageFromPayload({...payload, conversation_id: 'all'}).receiverId).toBe('all');
	});
});
