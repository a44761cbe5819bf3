// Terminal input filter: drops CSI sequences the key parser cannot name before they reach it,
// and takes out what is not a key press: bracketed pastes and SGR mouse reports.
// Pure: no imports. Used by the TUI on the raw stdin bytes (as UTF-8 text).

const ESC = '\u001b';
// Keys the TUI binds arrive as CSI with these finals: arrows, Home/End (H/F), Shift+Tab (Z),
// with an optional `1;<modifier>`; and `<n>~` / `<n>;<modifier>~` (PgUp, PgDn, Home, End, Insert,
// Delete, F5+).
const LETTER_KEY = /^(?:1;\d{1,2})?[ABCDHFZ]$/;
const TILDE_KEY = /^\d{1,3}(?:;\d{1,2})?~$/;
// Enter with a modifier, where the terminal tells it apart: CSI u (kitty, foot, WezTerm,
// iTerm2's "report modifiers") `13;2u`, and xterm's modifyOtherKeys `27;2;13~`.
const MODIFIED_ENTER = /^(?:13;\d{1,2}u|27;\d{1,2};13~)$/;
// SGR mouse report (DEC mode 1006): button;column;row, then M (press) or m (release).
const SGR_MOUSE = /^<(\d{1,4});(\d{1,4});(\d{1,4})([Mm])$/;
/** Bracketed paste markers (DEC mode 2004). */
export const PASTE_START = '\u001b[200~';
export const PASTE_END = '\u001b[201~';
/** What Alt+Enter sends; a modified Enter is passed on as this so one key means "new line". */
const ALT_ENTER = '\u001b\r';

/** A mouse report: left button pressed, or the wheel turned; `x`/`y` are 1-based cells. */
export interface MouseEvent {
	action: 'press' | 'wheel-up' | 'wheel-down';
	x: number;
	y: number;
}

/** One piece of input, in arrival order: key bytes for Ink, a whole paste, or a mouse event. */
export type InputSegment = {kind: 'keys'; text: string} | {kind: 'paste'; text: string} | {kind: 'mouse'; event: MouseEvent};

/** A stateful filter over the input chunks, in order. */
export interface InputFilter {
	/** Filter the next chunk; returns the key bytes that may go on to the key parser now. */
	push: (chunk: string) => string;
	/** Filter the next chunk into key bytes, pastes and mouse events, in order. */
	pushSegments: (chunk: string) => InputSegment[];
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
 * key sequences above. A bracketed paste (`ESC[200~` … `ESC[201~`, possibly over many
 * chunks) becomes one `paste` segment holding its text as is; an SGR mouse report becomes
 * a `mouse` segment (other mouse reports are dropped); Shift/Ctrl+Enter becomes Alt+Enter. Ink 6.8's useInput throws on some others with a modifier it cannot
 * name (`ESC [ 8 m`, `ESC [ 5 L`, `ESC [ 6 n`, Ctrl+F1 `ESC [ 1 ; 5 P`: vadimdemedes/ink#901),
 * so pasting such text would crash the chat. Text, Alt+key and SS3 (`ESC O x`) pass
 * unchanged. A trailing ESC or unfinished CSI is held until the next chunk or {@link InputFilter.flush},
 * so a sequence split across reads is judged whole.
 */
export function createInputFilter(): InputFilter {
	let held = '';
	// The last byte passed on was an ESC released by flush(): a chunk starting with `[` continues it.
	let isAfterReleasedEscape = false;
	let paste: string | undefined;
	const pushSegments = (chunk: string): InputSegment[] => {
		let input = held + chunk;
		held = '';
		const isContinuation = isAfterReleasedEscape && input.startsWith('[');
		isAfterReleasedEscape = false;
		if (isContinuation) input = ESC + input;
		const segments: InputSegment[] = [];
		let out = '';
		const emit = (segment: InputSegment): void => {
			if (out) segments.push({kind: 'keys', text: stripNonKeyCsi(out)});
			out = '';
			segments.push(segment);
		};
		let i = 0;
		while (i < input.length) {
			if (paste !== undefined) {
				const end = input.indexOf(PASTE_END, i);
				if (end === -1) {
					// Keep a possible start of the end marker for the next chunk.
					const keep = partialSuffix(input, PASTE_END);
					paste += input.slice(i, input.length - keep);
					held = input.slice(input.length - keep);
					break;
				}
				emit({kind: 'paste', text: paste + input.slice(i, end)});
				paste = undefined;
				i = end + PASTE_END.length;
				continue;
			}
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
			i = end + 1;
			const mouse = SGR_MOUSE.exec(body);
			if (body === '200~') paste = '';
			else if (body === '201~') continue;
			else if (mouse) {
				const event = mouseEvent(Number(mouse[1]), Number(mouse[2]), Number(mouse[3]), mouse[4] === 'M');
				if (event) emit({kind: 'mouse', event});
			} else if (MODIFIED_ENTER.test(body)) out += ALT_ENTER;
			else if (LETTER_KEY.test(body) || TILDE_KEY.test(body)) out += input.slice(escape, end + 1);
		}
		// The ESC of a continuation was passed on already.
		if (isContinuation) {
			const first = segments[0] ?? {kind: 'keys', text: out};
			if (first.kind === 'keys' && first.text.startsWith(ESC)) {
				if (segments.length > 0) segments[0] = {kind: 'keys', text: first.text.slice(1)};
				else out = out.slice(1);
			}
		}
		if (out) segments.push({kind: 'keys', text: stripNonKeyCsi(out)});
		return segments.filter((s) => s.kind !== 'keys' || s.text !== '');
	};
	const push = (chunk: string): string =>
		pushSegments(chunk)
			.map((s) => (s.kind === 'keys' ? s.text : ''))
			.join('');
	return {
		push,
		pushSegments,
		isHolding: () => held !== '' && paste === undefined,
		flush: () => {
			if (paste !== undefined) return '';
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

/** Mouse report → event: left press and wheel only (motion, release, other buttons: undefined). */
function mouseEvent(button: number, x: number, y: number, isPress: boolean): MouseEvent | undefined {
	// Bits 4/8/16 are Shift/Meta/Ctrl; 32 is motion; 64 marks the wheel.
	const base = button & ~(4 | 8 | 16);
	if (!isPress) return undefined;
	if (base === 0) return {action: 'press', x, y};
	if (base === 64) return {action: 'wheel-up', x, y};
	if (base === 65) return {action: 'wheel-down', x, y};
	return undefined;
}

/** Length of the longest end of `s` that is a proper start of `marker`. */
function partialSuffix(s: string, marker: string): number {
	for (let n = Math.min(marker.length - 1, s.length); n > 0; n--) if (s.endsWith(marker.slice(0, n))) return n;
	return 0;
}

const ANY_CSI = /\u001b\[([\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e])/g;

/**
 * A last guard: what passes an ESC on and then drops a sequence (ESC ESC, an ESC before a
 * broken CSI) can leave that ESC next to text that reads as a new CSI ("ESC" + "[a"). Remove
 * non-key CSI until none is left (each pass shortens the text, so this ends).
 */
function stripNonKeyCsi(text: string): string {
	let current = text;
	for (;;) {
		const next = current.replace(ANY_CSI, (all, body: string) => (LETTER_KEY.test(body) || TILDE_KEY.test(body) ? all : ''));
		if (next === current) return current;
		current = next;
	}
}
