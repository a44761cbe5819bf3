import {describe, expect, it} from 'vitest';
import fc from 'fast-check';
import {cleanText, cursorPosition, EMPTY_LINE, editLine, graphemes, insertText, type EditorLine} from './line-editor.js';
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
			expect(press(line, 'k', key)).toEqual(line);
		}
		expect(press(EMPTY_LINE, 'a\u001b[31mb\nc\u0007').value).toBe('a[31mb c');
	});
});

describe('several lines', () => {
	const lines = (text: string, cursor = [...text].length): EditorLine => ({value: text, cursor});

	it('inserts a newline with Alt+Enter, Shift+Enter and Ctrl+J; Enter submits all lines', () => {
		let line = typeText('one');
		line = press(line, '', {return: true, meta: true});
		line = typeText('two', line);
		line = press(line, '', {return: true, shift: true});
		line = typeText('three', line);
		line = press(line, '\n');
		expect(line).toEqual({value: 'one\ntwo\nthree\n', cursor: 14});
		expect(editLine(line, '\r', {return: true}).submitted).toBe('one\ntwo\nthree\n');
	});

	it('keeps the line breaks of a paste and strips its controls', () => {
		expect(insertText(typeText('>'), 'a\r\nb\rc\u001b[2J\td')).toEqual({value: '>a\nb\nc[2J d', cursor: 11});
		expect(cleanText('x\u0085y\u009bz', true)).toBe('xyz');
	});

	it('moves ↑/↓ between lines keeping the column, and reports ↑ on the first line, ↓ on the last', () => {
		const line = lines('abcdef\nxy\nlonger line', 2);
		expect(editLine(line, '', {upArrow: true}).unhandled).toBe('up');
		const down = press(line, '', {downArrow: true});
		expect(down.cursor).toBe(9); // "xy|" — the column is cut to the shorter line
		expect(press(down, '', {downArrow: true}).cursor).toBe(12);
		const last = lines('abcdef\nxy\nlonger line');
		expect(editLine(last, '', {downArrow: true}).unhandled).toBe('down');
		expect(press(last, '', {upArrow: true}).cursor).toBe(9);
		expect(cursorPosition(last)).toEqual({row: 2, column: 11, rowCount: 3});
	});

	it('Home/End, Ctrl+A/Ctrl+E and Ctrl+U, Ctrl+K act on the current line only', () => {
		const line = lines('first\nsecond line\nthird', 13); // "second|_line"
		expect(press(line, '', {home: true}).cursor).toBe(6);
		expect(press(line, 'e', {ctrl: true}).cursor).toBe(17);
		expect(press(line, 'u', {ctrl: true})).toEqual({value: 'first\nline\nthird', cursor: 6});
		expect(press(line, 'k', {ctrl: true})).toEqual({value: 'first\nsecond line\nthird'.replace('second line', 'second '), cursor: 13});
	});
});

describe('word moves (readline)', () => {
	const line: EditorLine = {value: 'hello big  world', cursor: 16};
	it('Alt+B and Alt+F move to word starts and ends, across spaces and lines', () => {
		const b1 = press(line, 'b', {meta: true});
		expect(b1.cursor).toBe(11);
		const b2 = press(b1, 'b', {meta: true});
		expect(b2.cursor).toBe(6);
		expect(press(b2, 'f', {meta: true}).cursor).toBe(9);
		expect(press({value: 'a\nbc', cursor: 0}, 'f', {meta: true}).cursor).toBe(1);
		expect(press({value: 'a\nbc', cursor: 4}, 'b', {meta: true}).cursor).toBe(2);
	});

	it('Ctrl+W and Alt+Backspace delete a word back, Alt+D a word forward', () => {
		expect(press(line, 'w', {ctrl: true}).value).toBe('hello big  ');
		expect(press(line, '', {backspace: true, meta: true}).value).toBe('hello big  ');
		expect(press({value: 'hello big', cursor: 0}, 'd', {meta: true})).toEqual({value: ' big', cursor: 0});
	});
});

describe('the grapheme cache', () => {
	const fresh = (s: string): string[] => Array.from(new Intl.Segmenter(undefined, {granularity: 'grapheme'}).segment(s), (g) => g.segment);
	const piece = fc.constantFrom('a', 'b', ' ', 'e', '\u0301', '👍', '🏽', '\u200d', '👩', '🇫', '🇷', '漢', '\n', 'x\u0301y');
	const op = fc.oneof(
		fc.array(piece, {minLength: 1, maxLength: 3}).map((p) => ({input: p.join(''), key: {}})),
		fc.constantFrom<{input: string; key: KeyPress}>(
			{input: '', key: {backspace: true}},
			{input: '', key: {leftArrow: true}},
			{input: '', key: {rightArrow: true}},
			{input: '', key: {upArrow: true}},
			{input: '', key: {home: true}},
			{input: 'w', key: {ctrl: true}},
			{input: 'b', key: {meta: true}},
			{input: 'd', key: {meta: true}},
			{input: '', key: {return: true, meta: true}},
		),
	);

	it('always equals a fresh segmentation of the text, whatever was typed or erased', () => {
		fc.assert(
			fc.property(fc.array(op, {maxLength: 30}), fc.array(piece, {maxLength: 6}), (ops, pasted) => {
				let line = insertText(EMPTY_LINE, pasted.join(''));
				for (const {input, key} of ops) {
					line = editLine(line, input, key).line;
					expect(graphemes(line.value)).toEqual(fresh(line.value));
					expect(line.cursor).toBeLessThanOrEqual(fresh(line.value).length);
				}
			}),
			{numRuns: 500},
		);
	});
});
