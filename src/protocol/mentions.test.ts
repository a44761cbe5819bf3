import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {MAX_MENTIONS, mentionsOf} from './mentions.js';

describe('mentionsOf', () => {
	it.each([
		['hi @bob', ['bob']],
		['@alice and @bob, and @alice again', ['alice', 'bob']],
		['thanks @bob.', ['bob']],
		['ask @j.doe... later', ['j.doe']],
		['(@carol) [@dave] "@eve"', ['carol', 'dave', 'eve']],
		['@Bob and @bob are two users', ['Bob', 'bob']],
		['mail fredy@example.com or a@@b', []],
		['@all @server @presence are not users', []],
		['an @ alone, @@, @-', ['-']],
		['', []],
	])('%j → %j', (content, expected) => {
		expect(mentionsOf(content)).toEqual(expected);
	});

	it('skips ids longer than 64 characters instead of cutting them', () => {
		expect(mentionsOf(`@${'x'.repeat(65)} @ok`)).toEqual(['ok']);
	});

	it(`keeps at most ${MAX_MENTIONS} ids`, () => {
		const many = Array.from({length: 200}, (_, i) => `@u${i}`).join(' ');
		expect(mentionsOf(many)).toHaveLength(MAX_MENTIONS);
	});

	it('returns distinct valid user ids that occur after an @ in the text, for any text', () => {
		fc.assert(
			fc.property(fc.string({maxLength: 300}), (text) => {
				const ids = mentionsOf(text);
				expect(new Set(ids).size).toBe(ids.length);
				for (const id of ids) {
					expect(id).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
					expect(text).toContain(`@${id}`);
				}
			}),
		);
	});
});
