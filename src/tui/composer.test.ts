import {describe, expect, it} from 'vitest';
import {graphemes} from '../core/line-editor.js';
import {draftLines, visibleLines, visibleSlice} from './composer.js';

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

describe('visibleLines and draftLines', () => {
	it('shows the lines around the cursor, with the cursor column on its row', () => {
		const line = {value: 'a\nbb\nccc\ndddd', cursor: 4}; // "bb|"
		expect(visibleLines(line, 5)).toEqual({first: 0, rows: [{text: 'a'}, {text: 'bb', cursor: 2}, {text: 'ccc'}, {text: 'dddd'}]});
		expect(visibleLines(line, 2)).toEqual({first: 0, rows: [{text: 'a'}, {text: 'bb', cursor: 2}]});
		expect(visibleLines({...line, cursor: 13}, 2)).toEqual({first: 2, rows: [{text: 'ccc'}, {text: 'dddd', cursor: 4}]});
	});

	it('counts the lines a draft needs, capped', () => {
		expect(draftLines({value: '', cursor: 0}, 5)).toBe(1);
		expect(draftLines({value: 'a\nb\nc', cursor: 0}, 5)).toBe(3);
		expect(draftLines({value: '\n'.repeat(20), cursor: 0}, 5)).toBe(5);
	});
});
