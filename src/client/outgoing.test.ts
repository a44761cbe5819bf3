import {describe, expect, it} from 'vitest';
import {messagePayloadFor, refuseMessage, refuseRecipient, refuseStatusMessage} from './outgoing.js';

const me = {userId: 'alice', name: 'Alice'};
const at = new Date('2026-11-22T10:00:00.000Z');
const payload = (to: string, content: string) => messagePayloadFor(me, to, content, 'm-1', at);

describe('outgoing checks', () => {
	it('builds the protocol message payload', () => {
		expect(payload('bob', 'hi')).toEqual({
			type: 'message', message_id: 'm-1', sender_id: 'alice', sender_name: 'Alice', receiver_id: 'bob',
			content: 'hi', message_type: 'text', timestamp: '2026-11-22T10:00:00.000Z',
		});
	});

	it('accepts user ids and all; refuses reserved or malformed ids', () => {
		expect(refuseRecipient('bob')).toBeUndefined();
		expect(refuseRecipient('all')).toBeUndefined();
		expect(refuseRecipient('server')).toBe('"server" is not a user id — use 1-64 letters, digits, _ . or -');
		expect(refuseRecipient('a/b')).toMatch(/^"a\/b" is not a user id/);
	});

	it('refuses blank, too long and too large messages with what to do', () => {
		expect(refuseMessage(payload('bob', 'hello'))).toBeUndefined();
		expect(refuseMessage(payload('bob', '  \n'))).toBe('nothing to send — type a message first');
		expect(refuseMessage(payload('bob', 'x'.repeat(4_001)))).toBe('message is 4001 characters; the limit is 4000 — split it');
		// 4000 control characters are 4000 code units but 24,000 bytes of JSON escapes.
		expect(refuseMessage(payload('bob', '\u0001'.repeat(4_000)))).toBe('message is over 16384 bytes once encoded — shorten it');
		expect(refuseMessage(payload('no such', 'hi'))).toMatch(/is not a user id/);
	});

	it('refuses text the server cannot store, as the schema does (NUL, lone surrogates)', () => {
		expect(refuseMessage(payload('bob', 'a\u0000b'))).toBe('message not sent: it contains a NUL character (U+0000), which PostgreSQL cannot store — remove that character');
		expect(refuseMessage(payload('bob', 'half an emoji \ud83d'))).toMatch(/^message not sent: it contains a lone UTF-16 surrogate/);
		expect(refuseMessage(messagePayloadFor({...me, name: 'A\u0000'}, 'bob', 'hi', 'm-1', at))).toMatch(/NUL/);
		expect(refuseStatusMessage('lunch\u0000')).toMatch(/^status message not set: it contains a NUL/);
	});

	it('limits presence status messages to 200 characters', () => {
		expect(refuseStatusMessage('x'.repeat(200))).toBeUndefined();
		expect(refuseStatusMessage('x'.repeat(201))).toBe('status message is 201 characters; the limit is 200 — shorten it');
	});
});
