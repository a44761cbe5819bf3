import {describe, expect, it} from 'vitest';
import {messagePayloadFor, refuseConversation, refuseMessage, refuseRecipient, refuseStatusMessage} from './outgoing.js';

const me = {userId: 'alice', name: 'Alice'};
const at = new Date('2026-11-22T10:00:00.000Z');
const payload = (conversationId: string, content: string) => messagePayloadFor(me, conversationId, content, 'm-1', at);

describe('outgoing checks', () => {
	it('builds the protocol 2 message payload', () => {
		expect(payload('alice:bob', 'hi')).toEqual({
			v: 2, type: 'message', message_id: 'm-1', conversation_id: 'alice:bob', sender_id: 'alice', sender_name: 'Alice',
			content: 'hi', message_type: 'text', timestamp: '2026-11-22T10:00:00.000Z',
		});
	});

	it('accepts my direct conversations, rooms and all; refuses others and malformed ids', () => {
		expect(refuseConversation('alice', 'alice:bob')).toBeUndefined();
		expect(refuseConversation('alice', 'all')).toBeUndefined();
		expect(refuseConversation('alice', 'room-1234')).toBeUndefined();
		expect(refuseConversation('alice', 'bob:carol')).toBe('"bob:carol" is a conversation of two other people');
		expect(refuseConversation('alice', 'bob:alice')).toMatch(/is not a conversation/);
		expect(refuseConversation('alice', 'bob')).toMatch(/is not a conversation/);
		expect(refuseRecipient('server')).toBe('"server" is not a user id — use 1-64 letters, digits, _ . or -');
	});

	it('refuses blank, too long and too large messages with what to do', () => {
		expect(refuseMessage(payload('alice:bob', 'hello'))).toBeUndefined();
		expect(refuseMessage(payload('alice:bob', '  \n'))).toBe('nothing to send — type a message first');
		expect(refuseMessage(payload('alice:bob', 'x'.repeat(4_001)))).toBe('message is 4001 characters; the limit is 4000 — split it');
		// 4000 control characters are 4000 code units but 24,000 bytes of JSON escapes.
		expect(refuseMessage(payload('alice:bob', '\u0001'.repeat(4_000)))).toBe('message is over 16384 bytes once encoded — shorten it');
		expect(refuseMessage(payload('no such', 'hi'))).toMatch(/is not a conversation/);
	});

	it('refuses text the server cannot store, as the schema does (NUL, lone surrogates)', () => {
		expect(refuseMessage(payload('alice:bob', 'a\u0000b'))).toBe('message not sent: it contains a NUL character (U+0000), which PostgreSQL cannot store — remove that character');
		expect(refuseMessage(payload('alice:bob', 'half an emoji \ud83d'))).toMatch(/^message not sent: it contains a lone UTF-16 surrogate/);
		expect(refuseMessage(messagePayloadFor({...me, name: 'A\u0000'}, 'alice:bob', 'hi', 'm-1', at))).toMatch(/NUL/);
		expect(refuseStatusMessage('lunch\u0000')).toMatch(/^status message not set: it contains a NUL/);
	});

	it('limits presence status messages to 200 characters', () => {
		expect(refuseStatusMessage('x'.repeat(200))).toBeUndefined();
		expect(refuseStatusMessage('x'.repeat(201))).toBe('status message is 201 characters; the limit is 200 — shorten it');
	});
});
