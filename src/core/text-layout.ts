// Terminal text layout: display width, wrapping and truncation measured in terminal columns.
// Pure: imports string-width and wrap-ansi only (the libraries Ink itself uses). Input is expected
// to be sanitized already (src/core/sanitize.ts); these functions do not defuse escape sequences.
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/**
 * Width of `s` in terminal columns, as Ink measures it: wide CJK and emoji graphemes count 2,
 * combining marks and zero-width characters 0. For multi-line text it is the sum over all
 * lines (a newline counts 0); measure lines separately if you need the widest one.
 */
export function displayWidth(s: string): number {
	return stringWidth(s);
}

/** Keeps whole graphemes from the start of `s` while they fit in `width` columns. */
function fitGraphemes(s: string, width: number): string {
	let out = '';
	let used = 0;
	for (const {segment} of graphemes.segment(s)) {
		const w = stringWidth(segment);
		if (used + w > width) break;
		out += segment;
		used += w;
	}
	return out;
}

/**
 * Wraps `s` into rows of at most `width` columns (`width` is clamped to at least 1). Existing
 * `\n` line breaks are kept (an empty line gives an empty row), lines break at spaces when they
 * can and inside a word when it is longer than `width`, and a grapheme (👩‍💻, é, 你) is never
 * split. Whitespace is preserved, not trimmed, so indented code keeps its shape. Only when
 * `width` is 1 and a grapheme is 2 columns wide can it not fit: that row becomes `…`. Rows come
 * back in Unicode NFC (wrap-ansi normalizes, exactly as Ink's own wrapping does).
 * @returns at least one row; no row is wider than `width`.
 */
export function wrapText(s: string, width: number): string[] {
	const columns = Math.max(1, Math.floor(width));
	const rows = wrapAnsi(s, columns, {hard: true, trim: false}).split('\n');
	return rows.map((row) => (stringWidth(row) > columns ? truncate(row, columns) : row));
}

/**
 * Truncates single-line `s` to at most `width` columns, cutting between graphemes and appending
 * `…` (1 column) when anything was cut. Text containing `\n` is cut at the first line break.
 * @returns `s` itself when it fits; `''` when `width` < 1.
 */
export function truncate(s: string, width: number): string {
	const columns = Math.floor(width);
	if (columns < 1) return '';
	const firstLine = s.split('\n', 1)[0]!;
	if (firstLine === s && stringWidth(s) <= columns) return s;
	return fitGraphemes(firstLine, columns - 1) + ELLIPSIS;
}
