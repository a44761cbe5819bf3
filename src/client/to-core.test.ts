// Wire payloads → core values: a peer's clock never decides order or display.
import {describe, expect, it} from 'vitest';
import type {MessagePayload} from '../protocol/index.js';
import {messageFromPayload} from './to-core.js';

const payload = {
	type: 'message',
	message_id: 'm-2099',
	sender_id: 'mallory',
	sender_name: 'Mallory',
	receiver_id: 'alice',
	content: 'from the future',
	timestamp: '2099-01-01T00:00:00.000Z',
} as unknown as MessagePayload;

describe('messageFromPayload', () => {
	it('stamps a received message with the arrival time, not the sender clock (a 2099 stamp does not pin it to the top)', () => {
		const arrived = Date.UTC(2026, 10, 30, 10, 3);
		expect(messageFromPayload(payload, arrived)).toMatchObject({messageId: 'm-2099', createdAt: arrived, status: 'sent', conversationId: 'alice:mallory'});
	});

	it('keeps the payload time for my own message (same clock as the screen)', () => {
		expect(messageFromPayload(payload).createdAt).toBe(Date.UTC(2099, 0, 1));
	});
});
