// Undo terminal read coalescing: one chunk of input → the key presses it holds.
// Pure: imports core/ only.
import type {KeyPress} from './keymap.js';

/**
 * Split input that arrived as one chunk back into key presses. A terminal read can hold
 * several keys when the event loop was busy ("hi⏎"), and Ink then reports the whole chunk
 * as one text input with no key flags, so the Enter would be typed instead of pressed.
 * Carriage return, tab, DEL/BS and Ctrl+letter bytes become their keys; other text stays
 * together. Input Ink already decoded (flags set, or one character) is returned as is.
 */
export function splitKeys(input: string, key: KeyPress): Array<{input: string; key: KeyPress}> {
	if (input.length <= 1 || key.ctrl || key.meta || key.return || key.tab || key.escape || !/[\u0000-\u001f\u007f]/.test(input)) {
		return [{input, key}];
	}
	const presses: Array<{input: string; key: KeyPress}> = [];
	let text = '';
	const flush = (): void => {
		if (text) presses.push({input: text, key: {}});
		text = '';
	};
	for (const ch of input) {
		const code = ch.codePointAt(0)!;
		if (ch === '\r') {
			flush();
			presses.push({input: '\r', key: {return: true}});
		} else if (ch === '\t') {
			flush();
			presses.push({input: '', key: {tab: true}});
		} else if (code === 0x7f || code === 0x08) {
			flush();
			presses.push({input: '', key: {backspace: true}});
		} else if (code >= 1 && code <= 26 && ch !== '\n') {
			flush();
			presses.push({input: String.fromCharCode(code + 96), key: {ctrl: true}});
		} else {
			text += ch;
		}
	}
	flush();
	return presses;
}
