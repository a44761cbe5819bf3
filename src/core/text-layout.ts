// Terminal text layout: display width, wrapping and truncation in terminal columns.
// Pure: imports string-width and wrap-ansi only (the libraries Ink uses).
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** Width of `s` in terminal columns (wide CJK/emoji count 2). */
export function displayWidth(s: string): number {
	return stringWidth(s);
}

/** Wraps `s` into rows no wider than `width` columns (width >= 1). */
export function wrapText(s: string, width: number): string[] {
	return wrapAnsi(s, Math.max(1, width), {hard: true, trim: false}).split('\n');
}

/** Truncates `s` to at most `width` columns, appending `…` when cut. */
export function truncate(s: string, width: number): string {
	if (stringWidth(s) <= width) return s;
	let out = '';
	for (const ch of s) {
		if (stringWidth(out + ch) > width - 1) break;
		out += ch;
	}
	return width > 0 ? out + '…' : '';
}
