// Where an operator's password comes from: a hidden prompt on a terminal (asked twice), or stdin
// with --password-stdin (as `docker login --password-stdin`). The prompt is the chat's own
// (password-prompt.ts: raw mode, nothing echoed). May import cli/ only.
import {AbortError} from './errors.js';
import {askHidden} from './password-prompt.js';

/** The streams a password is read from and prompted on (the process's by default). */
export interface PasswordStreams {
	input: NodeJS.ReadStream;
	/** Prompts go here (stderr, so stdout keeps only the command's answer). */
	output: NodeJS.WritableStream;
}

const processStreams = (): PasswordStreams => ({input: process.stdin, output: process.stderr});

/**
 * Read all of stdin as the password, without its one trailing line break (`\n` or `\r\n`), as
 * `docker login --password-stdin` does.
 * @throws AbortError when stdin is a terminal (nothing was piped) or empty.
 */
export async function readPasswordFromStdin(streams: PasswordStreams = processStreams()): Promise<string> {
	if (streams.input.isTTY) {
		throw new AbortError('--password-stdin reads a piped password, and stdin is a terminal', 'pipe it: printf %s "$PASSWORD" | hermes-chat account …');
	}
	const chunks: Buffer[] = [];
	for await (const chunk of streams.input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
	const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
	if (!password) throw new AbortError('no password on stdin', 'pipe it: printf %s "$PASSWORD" | hermes-chat account … --password-stdin');
	return password;
}

/**
 * Ask for a new password on the terminal without echoing it, twice.
 * @throws AbortError when stdin is not a terminal, the two differ, or the prompt is abandoned (Ctrl+C/Ctrl+D).
 */
export async function promptNewPassword(label: string, streams: PasswordStreams = processStreams()): Promise<string> {
	if (!streams.input.isTTY) {
		throw new AbortError('no terminal to ask for the password on', 'pipe it with --password-stdin');
	}
	const first = await askHidden(`New password for ${label}: `, streams);
	const second = await askHidden('Again: ', streams);
	if (first !== second) throw new AbortError('the two passwords differ', 'run the command again');
	return first;
}
