// The composer's text editor as a pure function: (text, key) → text, or a submitted text.
// Pure: imports core/ only. Positions count graphemes, so emoji and accents move as one.
import type {KeyPress} from './keymap.js';

/** A text being edited; `value` may hold several lines separated by `\n`. */
export interface EditorLine {
	value: string;
	/** Cursor position in graphemes from the start of `value` (0 … grapheme count). */
	cursor: number;
}

/** The empty line. */
export const EMPTY_LINE: EditorLine = {value: '', cursor: 0};

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

// Segmenting the whole draft on every key costs ~O(length) in Intl.Segmenter, which is slow
// (measured ~18 ms a key at 4000 characters on a loaded machine): the last result is kept, and
// an edit that cannot change clusters around it (plain ASCII on both sides) seeds it directly.
let cache: {value: string; chars: readonly string[]} = {value: '', chars: []};

/** Split a string into graphemes (user-perceived characters; `\r\n` is one). Do not mutate the result. */
export function graphemes(s: string): readonly string[] {
	if (s === cache.value) return cache.chars;
	const chars = Array.from(segmenter.segment(s), (g) => g.segment);
	cache = {value: s, chars};
	return chars;
}

const isPlain = (c: string | undefined): boolean => c === undefined || c === '\n' || (c.length === 1 && c >= ' ' && c <= '~');

/**
 * Join edited graphemes; when the edit's seams (`at`: the indexes where old and new text meet)
 * sit between plain ASCII characters, no cluster can form across them, so the array is the
 * segmentation of the result and is cached for the next key.
 */
function joinEdited(chars: readonly string[], seams: readonly number[]): string {
	const value = chars.join('');
	if (seams.every((i) => isPlain(chars[i - 1]) && isPlain(chars[i]))) cache = {value, chars};
	return value;
}

/**
 * Insert graphemes at the cursor. The new cursor is after the inserted text; when that text
 * joins a cluster before it (a combining accent typed after "e"), it is counted afresh.
 */
function insertAt(chars: readonly string[], cursor: number, inserted: readonly string[]): EditorLine {
	const next = [...chars.slice(0, cursor), ...inserted, ...chars.slice(cursor)];
	const value = joinEdited(next, [cursor, cursor + inserted.length]);
	const isPlainSeam = isPlain(chars[cursor - 1]) && isPlain(inserted[0]);
	const end = isPlainSeam ? cursor + inserted.length : graphemes([...chars.slice(0, cursor), ...inserted].join('')).length;
	return {value, cursor: end};
}

/**
 * Result of {@link editLine}: the new text; `submitted` when Enter was pressed; `unhandled`
 * when ↑ on the first line or ↓ on the last was pressed (the caller recalls history then).
 */
export interface EditResult {
	line: EditorLine;
	submitted?: string;
	unhandled?: 'up' | 'down';
}

/**
 * Clean text for the editor: `\r\n` and `\r` become `\n` (kept when `isMultiLine`, else a
 * space), a tab becomes a space, other C0/C1 control characters are dropped, so a message
 * can never carry an escape sequence.
 */
export function cleanText(text: string, isMultiLine: boolean): string {
	return text
		.replace(/\r\n|\r|\n/g, isMultiLine ? '\n' : ' ')
		.replace(/\t/g, ' ')
		.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '');
}

/** Insert text at the cursor (pasted text keeps its line breaks). */
export function insertText(line: EditorLine, text: string): EditorLine {
	const inserted = Array.from(segmenter.segment(cleanText(text, true)), (g) => g.segment);
	if (inserted.length === 0) return line;
	const chars = graphemes(line.value);
	return insertAt(chars, clamp(line.cursor, chars.length), inserted);
}

/** Where the cursor is: its line (0-based), its column in graphemes, and how many lines there are. */
export function cursorPosition(line: EditorLine): {row: number; column: number; rowCount: number} {
	const chars = graphemes(line.value);
	const cursor = clamp(line.cursor, chars.length);
	const row = chars.slice(0, cursor).filter((c) => c === '\n').length;
	const start = lineStart(chars, cursor);
	return {row, column: cursor - start, rowCount: chars.filter((c) => c === '\n').length + 1};
}

/**
 * Apply one key press: printable input is inserted at the cursor; Alt+Enter or Shift+Enter
 * (return with meta or shift) and Ctrl+J (a lone LF) insert a newline; Enter submits and clears. ←/→ move by character,
 * Alt+B/Alt+F by word, Home/End (Ctrl+A/Ctrl+E) to the start/end of the current line, ↑/↓
 * between lines. Backspace/Delete erase back, Ctrl+W and Alt+Backspace erase a word back,
 * Alt+D a word forward, Ctrl+U to the start of the line, Ctrl+K to its end (as in readline;
 * Ctrl+K reaches the editor only when the switcher is bound elsewhere).
 * Other keys (Tab, PgUp, other chords) change nothing.
 */
export function editLine(line: EditorLine, input: string, key: KeyPress): EditResult {
	const chars = graphemes(line.value);
	const cursor = clamp(line.cursor, chars.length);
	const at = (value: readonly string[], c: number): EditResult => ({line: {value: value === chars ? line.value : value.join(''), cursor: c}});
	const insert = (inserted: readonly string[]): EditResult => ({line: insertAt(chars, cursor, inserted)});
	const erase = (from: number, to: number, c = from): EditResult => ({
		line: {value: joinEdited([...chars.slice(0, from), ...chars.slice(to)], [from]), cursor: c},
	});
	if (key.return && (key.meta || key.shift)) return insert(['\n']);
	if (key.return) return {line: EMPTY_LINE, submitted: line.value};
	if (input === '\n' && !key.meta) return insert(['\n']);
	if (key.leftArrow) return at(chars, Math.max(0, cursor - 1));
	if (key.rightArrow) return at(chars, Math.min(chars.length, cursor + 1));
	if (key.upArrow || key.downArrow) return verticalMove(chars, cursor, key.upArrow ? -1 : 1, line);
	if (key.home || (key.ctrl && input === 'a')) return at(chars, lineStart(chars, cursor));
	if (key.end || (key.ctrl && input === 'e')) return at(chars, lineEnd(chars, cursor));
	if (key.meta && !key.ctrl && (input === 'b' || input === 'f')) return at(chars, input === 'b' ? wordBack(chars, cursor) : wordForward(chars, cursor));
	if (key.meta && input === 'd') return erase(cursor, wordForward(chars, cursor), cursor);
	// Terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`; erase backwards for both.
	if ((key.backspace || key.delete) && key.meta) return erase(wordBack(chars, cursor), cursor);
	if (key.backspace || key.delete) return cursor === 0 ? {line} : erase(cursor - 1, cursor);
	if (key.ctrl && input === 'w') return erase(wordBack(chars, cursor), cursor);
	if (key.ctrl && input === 'u') return erase(lineStart(chars, cursor), cursor);
	if (key.ctrl && input === 'k') return erase(cursor, lineEnd(chars, cursor), cursor);
	if (key.ctrl || key.meta || key.tab || key.escape || key.pageUp || key.pageDown) return {line};
	const text = cleanText(input, false);
	if (text === '') return {line};
	return insert(Array.from(segmenter.segment(text), (g) => g.segment));
}

function verticalMove(chars: readonly string[], cursor: number, by: -1 | 1, line: EditorLine): EditResult {
	const start = lineStart(chars, cursor);
	const column = cursor - start;
	if (by < 0) {
		if (start === 0) return {line, unhandled: 'up'};
		const previousStart = lineStart(chars, start - 1);
		return {line: {value: line.value, cursor: Math.min(previousStart + column, start - 1)}};
	}
	const end = lineEnd(chars, cursor);
	if (end === chars.length) return {line, unhandled: 'down'};
	const nextEnd = lineEnd(chars, end + 1);
	return {line: {value: line.value, cursor: Math.min(end + 1 + column, nextEnd)}};
}

function clamp(cursor: number, length: number): number {
	return Math.min(Math.max(0, cursor), length);
}

function lineStart(chars: readonly string[], cursor: number): number {
	let i = cursor;
	while (i > 0 && chars[i - 1] !== '\n') i--;
	return i;
}

function lineEnd(chars: readonly string[], cursor: number): number {
	let i = cursor;
	while (i < chars.length && chars[i] !== '\n') i++;
	return i;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n';

/** Start of the word before the cursor (readline's backward-word: skip spaces, then the word). */
function wordBack(chars: readonly string[], cursor: number): number {
	let i = cursor;
	while (i > 0 && isSpace(chars[i - 1])) i--;
	while (i > 0 && !isSpace(chars[i - 1])) i--;
	return i;
}

/** End of the word after the cursor (readline's forward-word). */
function wordForward(chars: readonly string[], cursor: number): number {
	let i = cursor;
	while (i < chars.length && isSpace(chars[i])) i++;
	while (i < chars.length && !isSpace(chars[i])) i++;
	return i;
}
