import {describe, expect, it} from 'vitest';
import {isMentioned, mentionsOf} from './mentions.js';

describe('mentionsOf', () => {
	it('finds @id tokens in order, once each', () => {
		expect(mentionsOf('hi @bob and @carol, @bob again')).toEqual(['bob', 'carol']);
		expect(mentionsOf('@alice: look')).toEqual(['alice']);
		expect(mentionsOf('line\n@dave_2 x')).toEqual(['dave_2']);
	});
	it('drops sentence punctuation after the id', () => {
		expect(mentionsOf('thanks @bob.')).toEqual(['bob']);
		expect(mentionsOf('ask @bob-')).toEqual(['bob-']); // '-' may end a user id (protocol USER_ID_PATTERN); only '.' is punctuation
		expect(mentionsOf('ask @bob.smith now')).toEqual(['bob.smith']);
	});
	it('ignores e-mail addresses, reserved ids and a bare @', () => {
		expect(mentionsOf('mail bob@example.com')).toEqual([]);
		expect(mentionsOf('@all hello')).toEqual([]);
		expect(mentionsOf('@ nothing @@x')).toEqual([]);
	});
	it('isMentioned prefers the stored list', () => {
		expect(isMentioned({content: 'hi @bob'}, 'bob')).toBe(true);
		expect(isMentioned({content: 'hi @bob', mentions: []}, 'bob')).toBe(false);
	});
});
