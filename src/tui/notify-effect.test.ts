import {describe, expect, it} from 'vitest';
import {notificationBytes} from './notify-effect.js';

const effect = (mode: 'bell' | 'desktop' | 'both') => ({kind: 'notify' as const, conversationId: 'alice:bob', mode, title: 'Bob', body: 'hi'});

describe('notificationBytes', () => {
	it('rings the bell, sends OSC 9 or OSC 777, or both', () => {
		expect(notificationBytes(effect('bell'))).toBe('\u0007');
		expect(notificationBytes(effect('desktop'))).toBe('\u001b]9;Bob: hi\u0007');
		expect(notificationBytes(effect('desktop'), 'osc777')).toBe('\u001b]777;notify;Bob;hi\u0007');
		expect(notificationBytes(effect('both'))).toBe('\u0007\u001b]9;Bob: hi\u0007');
	});
});
