import {PassThrough} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {AbortError} from './errors.js';
import {askHidden} from './password-prompt.js';

/** A stand-in terminal: input that records raw-mode changes, output that records what was written. */
function fakeTerminal(isTTY = true) {
	const input = Object.assign(new PassThrough(), {
		isTTY,
		isRaw: false,
		rawModes: [] as boolean[],
		setRawMode(mode: boolean) {
			this.isRaw = mode;
			this.rawModes.push(mode);
			return this;
		},
	});
	let written = '';
	const output = new PassThrough();
	output.on('data', (chunk: Buffer) => (written += chunk.toString()));
	return {input: input as unknown as NodeJS.ReadStream & typeof input, output, written: () => written};
}

describe('askHidden', () => {
	it('reads one line in raw mode, echoes nothing but the question, and restores the terminal', async () => {
		const terminal = fakeTerminal();
		const answer = askHidden('Password for alice: ', terminal);
		terminal.input.write('s3cr');
		terminal.input.write('et\r');
		expect(await answer).toBe('s3cret');
		expect(terminal.written()).toBe('Password for alice: \n');
		expect(terminal.input.rawModes).toEqual([true, false]);
		expect(terminal.input.isPaused()).toBe(true);
		expect(terminal.input.listenerCount('data')).toBe(0);
	});

	it('edits with Backspace and Ctrl+U, and ignores escape sequences and control characters', async () => {
		const terminal = fakeTerminal();
		const answer = askHidden('? ', terminal);
		terminal.input.write('wrong\u0015ab\u007fc');
		terminal.input.write('\u001b[A');
		terminal.input.write('d\u0007é\n');
		expect(await answer).toBe('acdé');
	});

	it('is cancelled by Ctrl+C, and by Ctrl+D on an empty line', async () => {
		for (const key of ['\u0003', '\u0004']) {
			const terminal = fakeTerminal();
			const answer = askHidden('? ', terminal);
			terminal.input.write(`${key === '\u0003' ? 'half' : ''}${key}`);
			await expect(answer).rejects.toBeInstanceOf(AbortError);
			expect(terminal.input.rawModes).toEqual([true, false]);
		}
	});

	it('refuses without a terminal', async () => {
		await expect(askHidden('? ', fakeTerminal(false))).rejects.toThrow('cannot ask for a password without a terminal');
	});
});
