import {describe, expect, it} from 'vitest';
import {graphemes} from '../core/line-editor.js';
import {visibleSlice} from './composer.js';

describe('visibleSlice', () => {
	it('shows the whole line with the cursor at the end when it fits', () => {
		expect(visibleSlice(graphemes('hello'), 5, 20)).toEqual({before: 'hello', at: ' ', after: ''});
		expect(visibleSlice(graphemes('hello'), 1, 20)).toEqual({before: 'h', at: 'e', after: 'llo'});
	});

	it('scrolls horizontally to keep the cursor in view, counting wide characters as two', () => {
		const line = graphemes('0123456789abcdef');
		expect(visibleSlice(line, 16, 6)).toEqual({before: 'bcdef', at: ' ', after: ''});
		const wide = graphemes('漢字漢字漢字');
		const slice = visibleSlice(wide, 6, 7);
		expect(slice).toEqual({before: '字漢字', at: ' ', after: ''});
	});
});
