import {describe, expect, it} from 'vitest';
import {isValidUserId} from './topics.js';
import {decodeSignupReply, decodeSignupRequest, encodeSignupReply, encodeSignupRequest, MAX_SIGNUP_BYTES, signupReplyFilter, signupReplyTopic, signupRequestTopic} from './signup.js';

const request = {v: 1 as const, reply_id: 'a'.repeat(32), user_id: 'alice', password: 'correct horse'};

describe('sign-up payloads', () => {
	it('round-trips a request and both kinds of reply', () => {
		expect(decodeSignupRequest(encodeSignupRequest(request))).toEqual({ok: true, request});
		expect(decodeSignupReply(encodeSignupReply({v: 1, ok: true}))).toEqual({v: 1, ok: true});
		expect(decodeSignupReply(encodeSignupReply({v: 1, ok: false, error: 'that id is taken'}))).toEqual({v: 1, ok: false, error: 'that id is taken'});
	});

	it('refuses other versions, unknown fields, bad reply ids, non-JSON and oversized requests with one line', () => {
		const bad = [
			{...request, v: 2},
			{...request, extra: 1},
			{...request, reply_id: 'short'},
			{...request, reply_id: 'a/b+#'.repeat(4)},
			{v: 1, reply_id: request.reply_id, user_id: 'alice'},
		];
		for (const payload of bad) {
			const decoded = decodeSignupRequest(Buffer.from(JSON.stringify(payload)));
			expect(decoded.ok, JSON.stringify(payload)).toBe(false);
			if (!decoded.ok) expect(decoded.error).not.toContain('\n');
		}
		expect(decodeSignupRequest(Buffer.from('not json')).ok).toBe(false);
		expect(decodeSignupRequest(Buffer.alloc(MAX_SIGNUP_BYTES + 1, 0x20))).toEqual({ok: false, error: `larger than ${MAX_SIGNUP_BYTES} bytes`});
		expect(decodeSignupReply(Buffer.from(JSON.stringify({v: 1, ok: false})))).toBeUndefined();
		expect(decodeSignupReply(Buffer.from(JSON.stringify({v: 1, ok: true, password: 'x'})))).toBeUndefined();
	});

	it('lays the channel out under {base}/signup, a level no user id can take', () => {
		expect(signupRequestTopic('chat/messages')).toBe('chat/messages/signup/request');
		expect(signupReplyTopic('chat/messages', 'abc')).toBe('chat/messages/signup/reply/abc');
		expect(signupReplyFilter('chat/messages')).toBe('chat/messages/signup/reply/+');
		expect(isValidUserId('signup')).toBe(false);
		expect(isValidUserId('SignUp')).toBe(false);
	});
});
