// Where an operator's password comes from: a hidden prompt on a terminal (asked twice), or stdin
// with --password-stdin (as `docker login --password-stdin`). May import node: modules and cli/.
import {createInterface} from 'node:readline';
import {Writable} from 'node:stream';
import {AbortError} from './errors.js';

/** The streams a password is read from and prompted on (the process's by default). */
export interface PasswordStreams {
	input: NodeJS.ReadableStream & {isTTY?: boolean};
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
	const first = await promptHidden(`New password for ${label}: `, streams);
	const second = await promptHidden('Again: ', streams);
	if (first !== second) throw new AbortError('the two passwords differ', 'run the command again');
	return first;
}

/**
 * One line from the terminal with echo off: readline writes its prompt, then output is muted so
 * neither the typed characters nor readline's redraws reach the screen.
 * @throws AbortError on Ctrl+C or end of input.
 */
export function promptHidden(prompt: string, streams: PasswordStreams): Promise<string> {
	let isMuted = false;
	const muted = new Writable({
		write(chunk: Buffer, _encoding, done) {
			if (!isMuted) streams.output.write(chunk);
			done();
		},
	});
	const rl = createInterface({input: streams.input, output: muted, terminal: true});
	return new Promise((resolve, reject) => {
		let answered = false;
		rl.on('SIGINT', () => rl.close());
		rl.once('close', () => {
			streams.output.write('\n');
			if (!answered) reject(new AbortError('no password given'));
		});
		rl.question(prompt, (answer) => {
			answered = true;
			rl.close();
			resolve(answer);
		});
		isMuted = true;
	});
}
