// A hidden question on the terminal, for passwords: raw mode, nothing echoed (not even `*`),
// so neither the password nor its length reaches the screen. May import cli/ only.
import {AbortError} from './errors.js';

/** The streams a prompt needs (process.stdin/stdout by default; tests pass their own). */
export interface PromptStreams {
	input: NodeJS.ReadStream;
	output: NodeJS.WritableStream;
}

/**
 * Write `question`, read one line without echo and resolve with it. Keys: Enter ends,
 * Backspace deletes one character, Ctrl+U clears, Ctrl+C (or Ctrl+D on an empty line) cancels;
 * escape sequences (arrows, function keys) and other control characters are ignored. The
 * terminal's previous raw mode is restored and the input paused again afterwards.
 * @throws AbortError when cancelled or when `input` is not a TTY.
 */
export function askHidden(question: string, streams: PromptStreams = {input: process.stdin, output: process.stdout}): Promise<string> {
	const {input, output} = streams;
	if (!input.isTTY) return Promise.reject(new AbortError('cannot ask for a password without a terminal', 'set HERMES_PASSWORD'));
	const wasRaw = input.isRaw;
	// Raw mode before the question: what is typed as soon as it shows must never meet the
	// terminal's own echo (cooked mode echoes keys before the program reads them).
	input.setRawMode(true);
	input.resume();
	output.write(question);
	let typed: string[] = [];
	return new Promise((resolve, reject) => {
		const finish = () => {
			input.removeListener('data', onData);
			input.setRawMode(wasRaw);
			input.pause();
			output.write('\n');
		};
		const onData = (chunk: Buffer | string) => {
			const text = chunk.toString();
			// An escape sequence arrives in one read; none of it is part of a password.
			if (text.startsWith('\u001b')) return;
			for (const char of text) {
				if (char === '\r' || char === '\n') {
					finish();
					resolve(typed.join(''));
					return;
				}
				if (char === '\u0003' || (char === '\u0004' && typed.length === 0)) {
					finish();
					reject(new AbortError('cancelled at the password prompt'));
					return;
				}
				if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
				else if (char === '\u0015') typed = [];
				else if (char >= ' ') typed.push(char);
			}
		};
		input.on('data', onData);
	});
}
