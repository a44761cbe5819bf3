// End to end: the very first run asks who you are, then the chat takes keys; the next run
// remembers the identity. Services are deliberately unreachable: the TUI must start anyway.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, expect, it} from 'vitest';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const NOWHERE = ['--mqtt-url', 'mqtt://127.0.0.1:1', '--database-url', 'postgres://postgres@127.0.0.1:1/none'];

let home: string;
const terminals: TerminalSession[] = [];
beforeEach(async () => {
	home = await mkdtemp(join(tmpdir(), 'hermes-first-run-'));
});
afterEach(async () => {
	await Promise.all(terminals.splice(0).map((t) => t.close()));
	await rm(home, {recursive: true, force: true});
});

function run(...args: string[]): TerminalSession {
	const terminal = startTerminal({
		command: process.execPath,
		args: [CLI, ...NOWHERE, ...args],
		env: {HERMES_HOME: home, CHAT_USER_ID: undefined, CHAT_USER_NAME: undefined},
		cols: 100,
		rows: 28,
	});
	terminals.push(terminal);
	return terminal;
}

// Regression: readline's close() paused stdin, and the chat after the questions ignored every key.
it('asks for an identity on the first run, then takes keys; the next run remembers it', async () => {
	const first = run();
	await first.waitFor('Pick a user id');
	first.write('zed\r');
	await first.waitFor('Display name');
	first.write('Zed Shaw\r');
	await first.waitFor('Zed Shaw (zed)', 15_000);
	// The broker is unreachable: said on screen, not a crash.
	expect(first.screen()).toMatch(/broker (connecting|down)/);
	first.write('?');
	await first.waitFor('quick switcher');
	first.press('escape');
	// Escape and the next keys in one read would be Alt+key, as in any terminal: wait for the frame.
	await expect.poll(() => first.screen().includes('quick switcher'), {timeout: 10_000}).toBe(false);
	first.write('/quit\r');
	expect((await first.exited).exitCode).toBe(0);

	const second = run();
	await second.waitFor('Zed Shaw (zed)', 15_000);
	expect(second.screen()).not.toContain('Pick a user id');
});

it('refuses an invalid user id in one line, without a stack trace', async () => {
	const terminal = run('--user', 'not/valid');
	const {exitCode} = await terminal.exited;
	expect(exitCode).toBe(1);
	expect(terminal.screen()).toMatch(/hermes-chat: "not\/valid" is not a valid user id — use 1-64 of/);
	expect(terminal.output()).not.toMatch(/\bat .*\.js:\d+/);
});
