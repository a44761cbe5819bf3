import {describe, expect, it} from 'vitest';
import {isColorless, themeColor} from './theme.js';

describe('NO_COLOR (no-color.org)', () => {
	it('is on for any non-empty value, off when unset or empty', () => {
		expect(isColorless({NO_COLOR: '1'})).toBe(true);
		expect(isColorless({NO_COLOR: 'false'})).toBe(true);
		expect(isColorless({NO_COLOR: ''})).toBe(false);
		expect(isColorless({})).toBe(false);
	});

	it('drops the colour name, so Ink draws the default colour', () => {
		expect(themeColor('cyan', {NO_COLOR: '1'})).toBeUndefined();
		expect(themeColor('cyan', {})).toBe('cyan');
	});
});
