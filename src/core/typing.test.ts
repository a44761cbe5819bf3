import {describe, expect, it} from 'vitest';
import {IDLE_TYPING, TYPING_RESEND_MS, typingChanged, typingStopped} from './typing.js';

describe('typing throttle', () => {
	it('sends isTyping:true at most once per interval while typing', () => {
		let s = typingChanged(IDLE_TYPING, 'bob', 'h', 1_000);
		expect(s.sends).toEqual([{to: 'bob', isTyping: true}]);
		s = typingChanged(s.state, 'bob', 'he', 1_500);
		expect(s.sends).toEqual([]);
		s = typingChanged(s.state, 'bob', 'hel', 1_000 + TYPING_RESEND_MS);
		expect(s.sends).toEqual([{to: 'bob', isTyping: true}]);
	});

	it('sends isTyping:false once when the composer is emptied or the message sent', () => {
		let s = typingChanged(IDLE_TYPING, 'bob', 'h', 0);
		s = typingChanged(s.state, 'bob', '', 10);
		expect(s.sends).toEqual([{to: 'bob', isTyping: false}]);
		expect(typingChanged(s.state, 'bob', '', 20).sends).toEqual([]);
		const typed = typingChanged(IDLE_TYPING, 'bob', 'hi', 0);
		expect(typingStopped(typed.state).sends).toEqual([{to: 'bob', isTyping: false}]);
		expect(typingStopped(IDLE_TYPING).sends).toEqual([]);
	});

	it('does not count commands as typing and switches peers cleanly', () => {
		expect(typingChanged(IDLE_TYPING, 'bob', '/help', 0).sends).toEqual([]);
		const s = typingChanged(IDLE_TYPING, 'bob', 'x', 0);
		expect(typingChanged(s.state, 'carol', 'xy', 10).sends).toEqual([
			{to: 'bob', isTyping: false},
			{to: 'carol', isTyping: true},
		]);
		expect(typingChanged(IDLE_TYPING, undefined, 'text', 0).sends).toEqual([]);
	});
});
