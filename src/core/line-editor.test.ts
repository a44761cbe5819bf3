import {describe, expect, it} from 'vitest';
import {EMPTY_LINE, editLine, type EditorLine} from './line-editor.js';
import type {KeyPress} from './keymap.js';

const press = (line: EditorLine, input: string, key: KeyPress = {}): EditorLine => editLine(line, input, key).line;
const typeText = (text: string, line = EMPTY_LINE): EditorLine => [...text].reduce((l, ch) => press(l, ch), line);

describe('editLine', () => {
	it('inserts typed and pasted text at the cursor', () => {
		let line = typeText('helo');
		line = press(line, '', {leftArrow: true});
		line = press(line, 'l');
		expect(line).toEqual({value: 'hello', cursor: 4});
		line = press(line, '', {end: true});
		expect(press(line, ' world')).toEqual({value: 'hello world', cursor: 11});
	});

	it('erases backwards with Backspace (and DEL), words with Ctrl+W, to the start with Ctrl+U', () => {
		const line = typeText('one two three');
		expect(press(line, '', {backspace: true}).value).toBe('one two thre');
		expect(press(line, '', {delete: true}).value).toBe('one two thre');
		expect(press(line, 'w', {ctrl: true})).toEqual({value: 'one two ', cursor: 8});
		expect(press(line, 'u', {ctrl: true})).toEqual({value: '', cursor: 0});
		expect(press(EMPTY_LINE, '', {backspace: true})).toEqual(EMPTY_LINE);
	});

	it('moves over emoji and combining accents as one character', () => {
		let line = typeText('a👍🏽é');
		expect(line.cursor).toBe(3);
		line = press(line, '', {backspace: true});
		line = press(line, '', {backspace: true});
		expect(line).toEqual({value: 'a', cursor: 1});
		expect(press(typeText('x'), '', {home: true}).cursor).toBe(0);
		expect(press(press(typeText('xy'), 'a', {ctrl: true}), 'e', {ctrl: true}).cursor).toBe(2);
	});

	it('submits on Enter and clears', () => {
		expect(editLine(typeText('send me'), '\r', {return: true})).toEqual({line: EMPTY_LINE, submitted: 'send me'});
	});

	it('ignores chords and navigation keys, and strips controls from pasted text', () => {
		const line = typeText('ok');
		for (const key of [{ctrl: true}, {meta: true}, {tab: true}, {escape: true}, {upArrow: true}, {pageDown: true}] as KeyPress[]) {
			expect(press(line, 'k', key)).toBe(line);
		}
		expect(press(EMPTY_LINE, 'a\u001b[31mb\nc\u0007').value).toBe('a[31mb c');
	});
});
