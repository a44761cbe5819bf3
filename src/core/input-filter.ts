// Terminal input filter: drops CSI sequences the key parser cannot name before they reach it.
// Pure: no imports. Used by the TUI on the raw stdin bytes (as UTF-8 text).

const ESC = '\u001b';
// Keys the TUI binds arrive as CSI with these finals: arrows, Home/End (H/F), Shift+Tab (Z),
// with an optional `1;<modifier>`; and `<n>~` / `<n>;<modifier>~` (PgUp, PgDn, Home, End, Insert,
// Delete, F5+, bracketed paste markers).
const LETTER_KEY = /^(?:1;\d{1,2})?[ABCDHFZ]$/;
const TILDE_KEY = /^\d{1,3}(?:;\d{1,2})?~$/;

/** A stateful filter over the input chunks, in order. */
export interface InputFilter {
	/** Filter the next chunk; returns what may go on to the key parser now. */
	push: (chunk: string) => string;
	/** Whether bytes are held back (a trailing ESC or an unfinished CSI). */
	isHolding: () => boolean;
	/**
	 * No more input came in time: release a held lone ESC (the Escape key) and drop an
	 * unfinished CSI. Returns what to pass on.
	 */
	flush: () => string;
}

/**
 * Create a filter that removes every CSI sequence (`ESC [ params final`) other than the
 * key sequences above. Ink 6.8's useInput throws on some others with a modifier it cannot
 * name (`ESC [ 8 m`, `ESC [ 5 L`, `ESC [ 6 n`, Ctrl+F1 `ESC [ 1 ; 5 P`: vadimdemedes/ink#901),
 * so pasting such text would crash the chat. Text, Alt+key and SS3 (`ESC O x`) pass
 * unchanged. A trailing ESC or unfinished CSI is held until the next chunk or {@link InputFilter.flush},
 * so a sequence split across reads is judged whole.
 */
export function createInputFilter(): InputFilter {
	let held = '';
	// The last byte passed on was an ESC released by flush(): a chunk starting with `[` continues it.
	let isAfterReleasedEscape = false;
	const push = (chunk: string): string => {
		let input = held + chunk;
		held = '';
		const isContinuation = isAfterReleasedEscape && input.startsWith('[');
		isAfterReleasedEscape = false;
		if (isContinuation) input = ESC + input;
		let out = '';
		let i = 0;
		while (i < input.length) {
			const escape = input.indexOf(ESC, i);
			if (escape === -1 || escape === input.length - 1) {
				out += input.slice(i, escape === -1 ? undefined : escape);
				if (escape !== -1) held = ESC;
				break;
			}
			out += input.slice(i, escape);
			if (input[escape + 1] !== '[') {
				// Alt+key passes; of ESC ESC only the first, so a CSI behind it is judged too.
				const length = input[escape + 1] === ESC ? 1 : 2;
				out += input.slice(escape, escape + length);
				i = escape + length;
				continue;
			}
			let end = escape + 2;
			// Parameter bytes 0x30–0x3F, then intermediate bytes 0x20–0x2F, then one final byte 0x40–0x7E.
			while (end < input.length && isBetween(input, end, 0x30, 0x3f)) end++;
			while (end < input.length && isBetween(input, end, 0x20, 0x2f)) end++;
			if (end >= input.length) {
				held = input.slice(escape);
				break;
			}
			if (!isBetween(input, end, 0x40, 0x7e)) {
				// Not a CSI after all (Alt+[ then text): pass ESC [ on as typed.
				out += input.slice(escape, escape + 2);
				i = escape + 2;
				continue;
			}
			const body = input.slice(escape + 2, end + 1);
			if (LETTER_KEY.test(body) || TILDE_KEY.test(body)) out += input.slice(escape, end + 1);
			i = end + 1;
		}
		// The ESC of a continuation was passed on already.
		return isContinuation && out.startsWith(ESC) ? out.slice(1) : out;
	};
	return {
		push,
		isHolding: () => held !== '',
		flush: () => {
			const released = held === ESC ? ESC : '';
			held = '';
			isAfterReleasedEscape = released !== '';
			return released;
		},
	};
}

function isBetween(s: string, index: number, low: number, high: number): boolean {
	const code = s.charCodeAt(index);
	return code >= low && code <= high;
}
