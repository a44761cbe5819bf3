// End to end: the CLI conventions of issue 7 (outcome 8) on the built `hermes-chat`. Without a
// terminal the chat refuses in one line before it connects anywhere or remembers anyone;
// `hub status` exits 3 when the hub is not running; every command's --help has examples;
// NO_COLOR turns every colour off while bold stays.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {createServer, type AddressInfo, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';
import {CLI, embeddedEnv} from './embedded-cli.js';

interface Result {
	code: number;
	stdout: string;
	stderr: string;
}

/** Run the CLI with pipes for stdin, stdout and stderr (no terminal anywhere). */
function runPiped(home: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries({...process.env, ...embeddedEnv(home), ...extraEnv})) {
		if (value !== undefined) env[key] = value;
	}
	return new Promise((resolve) => {
		execFile(process.execPath, [CLI, ...args], {env, cwd: home, timeout: 30_000}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
			resolve({code, stdout, stderr});
		});
	});
}

/** SGR parameters that set a colour (foreground, background, 256/true colour, bright). */
function colourParameters(output: string): string[] {
	const found: string[] = [];
	for (const match of output.matchAll(/\x1b\[([0-9;:]*)m/g)) {
		for (const parameter of match[1]!.split(/[;:]/)) {
			const n = Number(parameter);
			if ((n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107)) found.push(parameter);
		}
	}
	return found;
}

let home: string;
/** A TCP listener standing in for the broker and the database: it counts who knocks. */
let knocker: Server;
let knocks = 0;
let nowhere: string[];
const sessions: TerminalSession[] = [];

beforeAll(async () => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
	home = await mkdtemp(join(tmpdir(), 'hermes-cli-conventions-'));
	knocker = createServer((socket) => {
		knocks += 1;
		socket.destroy();
	});
	await new Promise<void>((resolve) => knocker.listen(0, '127.0.0.1', resolve));
	const {port} = knocker.address() as AddressInfo;
	nowhere = ['--mqtt-url', `mqtt://127.0.0.1:${port}`, '--database-url', `postgres://postgres@127.0.0.1:${port}/none`];
});
afterEach(async () => {
	await Promise.all(sessions.splice(0).map((session) => session.close()));
});
afterAll(async () => {
	await new Promise((resolve) => knocker.close(resolve));
	await rm(home, {recursive: true, force: true});
});

describe('without a terminal the chat refuses before connecting', () => {
	it('stdin and stdout piped: one line, exit 1, no connection, no identity remembered', async () => {
		const before = knocks;
		const result = await runPiped(home, [...nowhere, '--user', 'piper', '--name', 'Piper']);
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toBe(
			'hermes-chat: the chat needs an interactive terminal (stdin and stdout are not a TTY) — run it in a terminal, not through a pipe or redirect (`hermes-chat hub status` works anywhere)\n',
		);
		expect(knocks).toBe(before);
		expect(existsSync(join(home, 'config'))).toBe(false);
	});

	it('stdout redirected to a file from a real terminal: names stdout, exit 1, no connection', async () => {
		const before = knocks;
		const out = join(home, 'redirected.txt');
		const quoted = [CLI, ...nowhere, '--user', 'piper'].map((arg) => `'${arg}'`).join(' ');
		const session = startTerminal({
			command: '/bin/sh',
			args: ['-c', `'${process.execPath}' ${quoted} > '${out}'`],
			env: embeddedEnv(home),
			cwd: home,
		});
		sessions.push(session);
		expect((await session.exited).exitCode).toBe(1);
		expect(session.screen()).toContain('hermes-chat: the chat needs an interactive terminal (stdout is not a TTY)');
		expect(session.output()).not.toContain('\x1b[?1049h');
		expect(knocks).toBe(before);
	});
});

describe('hub status', () => {
	it('exits 3 and says "not running" when no hub runs (text and --json)', async () => {
		const text = await runPiped(home, ['hub', 'status']);
		expect(text.code).toBe(3);
		expect(text.stdout).toMatch(/^hub:\s+not running\n/);
		const json = await runPiped(home, ['hub', 'status', '--json']);
		expect(json.code).toBe(3);
		expect(JSON.parse(json.stdout)).toMatchObject({state: 'stopped'});
	});
});

describe('--help', () => {
	it.each([[[]], [['chat']], [['hub']], [['hub', 'start']], [['hub', 'status']], [['hub', 'stop']], [['ingest']], [['migrate']], [['account', 'setup-broker']]])(
		'hermes-chat %j --help shows usage and at least one example',
		async (command) => {
			const result = await runPiped(home, [...command, '--help']);
			expect(result.code).toBe(0);
			expect(result.stdout).toMatch(/^Usage: hermes-chat/);
			const block = /\nExamples:\n((?: {2}\$ .+\n)+)/.exec(result.stdout);
			expect(block, 'an Examples: block').not.toBeNull();
			const expected = command[0] === 'chat' ? 'hermes-chat' : ['hermes-chat', ...command].join(' ');
			expect(block![1]).toContain(`$ ${expected}`);
		},
	);
});

describe('NO_COLOR', () => {
	const chat = (env: Record<string, string | undefined>): TerminalSession => {
		const session = startTerminal({
			command: process.execPath,
			args: [CLI, ...nowhere, '--user', 'nocolor', '--name', 'No Color'],
			env: {...embeddedEnv(home), ...env},
			cwd: home,
			cols: 100,
			rows: 24,
		});
		sessions.push(session);
		return session;
	};

	it('draws the chat without a single colour, bold kept; the same screen has colours without it', async () => {
		const coloured = chat({FORCE_COLOR: '1'});
		await coloured.waitFor('No Color (nocolor)', 15_000);
		await coloured.waitFor(/broker (connecting|down)/);
		expect(colourParameters(coloured.output()).length).toBeGreaterThan(0);
		coloured.write('/quit\r');
		expect((await coloured.exited).exitCode).toBe(0);

		// FORCE_COLOR too: NO_COLOR must win over chalk's own colour detection.
		const plain = chat({NO_COLOR: '1', FORCE_COLOR: '1'});
		await plain.waitFor('No Color (nocolor)', 15_000);
		await plain.waitFor(/broker (connecting|down)/);
		plain.write('?');
		await plain.waitFor('quick switcher');
		expect(colourParameters(plain.output())).toEqual([]);
		// Bold survives (SGR 1), e.g. the message sender names and read ticks.
		expect(plain.output()).toMatch(/\x1b\[1m/);
		plain.press('escape');
		await expect.poll(() => plain.screen().includes('quick switcher'), {timeout: 10_000}).toBe(false);
		plain.write('/quit\r');
		expect((await plain.exited).exitCode).toBe(0);
	});
});
