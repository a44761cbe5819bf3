// The composer's line editor as a pure function: (line, key) → line, or a submitted line.
// Pure: imports core/ only. Positions count graphemes, so emoji and accents move as one.
import type {KeyPress} from './keymap.js';

/** A line being edited. */
export interface EditorLine {
	value: string;
	/** Cursor position in graphemes from the start (0 … grapheme count). */
	cursor: number;
}

/** The empty line. */
export const EMPTY_LINE: EditorLine = {value: '', cursor: 0};

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/** Split a string into graphemes (user-perceived characters). */
export function graphemes(s: string): string[] {
	return Array.from(segmenter.segment(s), (g) => g.segment);
}

/** Result of {@link editLine}: the new line, and the submitted text when Enter was pressed. */
export interface EditResult {
	line: EditorLine;
	submitted?: string;
}

/**
 * Apply one key press to the line: printable input (also pasted text) is inserted at the
 * cursor; ←/→, Home/End (and Ctrl+A/Ctrl+E) move; Backspace/Delete erase; Ctrl+W deletes a
 * word back; Enter submits and clears. Other keys (Tab, arrows up/down, chords) change
 * nothing. Control characters inside pasted text are dropped, newlines become spaces.
 */
export function editLine(line: EditorLine, input: string, key: KeyPress): EditResult {
	const chars = graphemes(line.value);
	const cursor = Math.min(Math.max(0, line.cursor), chars.length);
	const at = (value: string[], c: number): EditResult => ({line: {value: value.join(''), cursor: c}});
	if (key.return) return {line: EMPTY_LINE, submitted: line.value};
	if (key.leftArrow) return at(chars, Math.max(0, cursor - 1));
	if (key.rightArrow) return at(chars, Math.min(chars.length, cursor + 1));
	if (key.home || (key.ctrl && input === 'a')) return at(chars, 0);
	if (key.end || (key.ctrl && input === 'e')) return at(chars, chars.length);
	// Terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`; erase backwards for both.
	if (key.backspace || key.delete) {
		if (cursor === 0) return {line};
		return at([...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor - 1);
	}
	if (key.ctrl && input === 'w') {
		let start = cursor;
		while (start > 0 && chars[start - 1] === ' ') start--;
		while (start > 0 && chars[start - 1] !== ' ') start--;
		return at([...chars.slice(0, start), ...chars.slice(cursor)], start);
	}
	if (key.ctrl && input === 'u') return at(chars.slice(cursor), 0);
	if (key.ctrl || key.meta || key.tab || key.escape || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return {line};
	const text = input.replace(/\r\n|\r|\n/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
	if (text === '') return {line};
	const inserted = graphemes(text);
	return at([...chars.slice(0, cursor), ...inserted, ...chars.slice(cursor)], cursor + inserted.length);
}
