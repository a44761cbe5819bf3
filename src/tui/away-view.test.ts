import {describe, expect, it} from 'vitest';
import {awayCount} from './away-view.js';

describe('awayCount (the "while you were away" heading)', () => {
	it('names the total when the summary lists only the first screen of it', () => {
		expect(awayCount(50, 130)).toBe('50 of 130 conversations');
		expect(awayCount(1, 2)).toBe('1 of 2 conversations');
	});

	it('is the plain count when every conversation with unread is listed', () => {
		expect(awayCount(3, 3)).toBe('3 conversations');
		expect(awayCount(1, 1)).toBe('1 conversation');
		// A total below what is shown (an older port) never reads "3 of 2".
		expect(awayCount(3, 0)).toBe('3 conversations');
	});
});
