// Self-test of the real-terminal harness: small node scripts under a real pty + xterm emulator.
import {afterEach, describe, expect, it} from 'vitest';
import {startTerminal, TerminalWaitError, type TerminalSession} from './terminal.js';

let sessions: TerminalSession[] = [];
afterEach(async () => {
	await Promise.all(sessions.map((s) => s.close()));
	sessions = [];
});

/** Runs `node -e script` in the harness. */
function runNode(script: string, options: {cols?: number; rows?: number; env?: Record<string, string | undefined>} = {}): TerminalSession {
	const session = startTerminal({command: process.execPath, args: ['-e', script], ...options});
	sessions.push(session);
	return session;
}

/** A script that puts stdin in raw mode and prints the bytes of each input chunk as JSON. */
const ECHO_KEYS = `
process.stdin.setRawMode(true);
process.stdout.write('ready\\n');
process.stdin.on('data', (d) => {
	const s = d.toString();
	process.stdout.write('got ' + JSON.stringify(s) + '\\n');
	if (s === 'q') process.exit(0);
});`;

describe('startTerminal', () => {
	it('shows printed output, including wide characters, and reports the exit code', async () => {
		const term = runNode(`console.log('hello 你好 👩‍💻'); process.exitCode = 3;`);
		expect(await term.waitFor('hello')).toContain('hello 你好 👩‍💻');
		expect(await term.exited).toEqual({exitCode: 3});
	});

	it('has the requested size and the child sees a TTY with TERM set', async () => {
		const term = runNode(`console.log(process.stdout.isTTY, process.stdout.columns + 'x' + process.stdout.rows, process.env.TERM)`, {cols: 90, rows: 20});
		await term.waitFor('true 90x20 xterm-256color');
		expect(term.screen().split('\n')).toHaveLength(20);
	});

	// Regression: under CI=true Ink draws only its last frame, so every e2e screen was empty in CI.
	it('runs the program as in a person\'s terminal: CI variables are removed', async () => {
		process.env.CI = 'true';
		try {
			const session = runNode('console.log("CI=" + process.env.CI + " CIA=" + process.env.CONTINUOUS_INTEGRATION)');
			await session.exited;
			expect(session.screen()).toContain('CI=undefined CIA=undefined');
		} finally {
			delete process.env.CI;
		}
	});

	it('passes env overrides and removes variables set to undefined', async () => {
		process.env.HERMES_TERMINAL_TEST_REMOVE = 'x';
		const term = runNode(`console.log('A=' + process.env.A + ' R=' + process.env.HERMES_TERMINAL_TEST_REMOVE)`, {env: {A: '1', HERMES_TERMINAL_TEST_REMOVE: undefined}});
		await term.waitFor('A=1 R=undefined');
		delete process.env.HERMES_TERMINAL_TEST_REMOVE;
	});

	it('reads a line typed by the test', async () => {
		const term = runNode(`
const rl = require('node:readline').createInterface({input: process.stdin, output: process.stdout});
rl.question('name? ', (name) => { console.log('hi ' + name); rl.close(); });`);
		await term.waitFor('name?');
		term.write('bob');
		term.press('enter');
		await term.waitFor('hi bob');
		expect((await term.exited).exitCode).toBe(0);
	});

	it('tracks switching to the alternate screen and back', async () => {
		const term = runNode(`
process.stdout.write('main screen\\n');
process.stdin.setRawMode(true);
process.stdin.once('data', () => {
	process.stdout.write('\\x1b[?1049h\\x1b[HALT SCREEN');
	process.stdin.once('data', () => { process.stdout.write('\\x1b[?1049lback\\n'); process.exit(0); });
});`);
		await term.waitFor('main screen');
		expect(term.isAlternateScreen()).toBe(false);
		term.press('enter');
		const alt = await term.waitFor('ALT SCREEN');
		expect(term.isAlternateScreen()).toBe(true);
		expect(alt).not.toContain('main screen');
		term.press('enter');
		const back = await term.waitFor('back');
		expect(term.isAlternateScreen()).toBe(false);
		expect(back).toContain('main screen');
		expect(back).not.toContain('ALT SCREEN');
	});

	it('sends keys as a terminal does, honouring application cursor keys mode', async () => {
		const term = runNode(ECHO_KEYS);
		await term.waitFor('ready');
		const keys = ['up', 'shift-tab', 'pageup', 'pagedown', 'escape', 'ctrl-k', 'ctrl-c', 'tab', 'enter'] as const;
		const expected = ['\\u001b[A', '\\u001b[Z', '\\u001b[5~', '\\u001b[6~', '\\u001b', '\\u000b', '\\u0003', '\\t', '\\r'];
		for (const [i, key] of keys.entries()) {
			term.press(key);
			await term.waitFor(`got "${expected[i]}"`);
		}
		term.write('q');
		await term.exited;
	});

	it('sends ESC O A for up in application cursor keys mode', async () => {
		const term = runNode(`process.stdout.write('\\x1b[?1h'); ${ECHO_KEYS}`);
		await term.waitFor('ready');
		term.press('up');
		await term.waitFor('got "\\u001bOA"');
	});

	it('resizes the pty and the emulator (the program gets SIGWINCH)', async () => {
		const term = runNode(`
process.stdout.on('resize', () => console.log('size ' + process.stdout.columns + 'x' + process.stdout.rows));
console.log('ready'); setInterval(() => {}, 1000);`);
		await term.waitFor('ready');
		term.resize(80, 24);
		await term.waitFor('size 80x24');
		expect(term.screen().split('\n')).toHaveLength(24);
	});

	it('waitFor matches a RegExp and rejects on timeout with the last screen', async () => {
		const term = runNode(`console.log('count 42'); setInterval(() => {}, 1000);`);
		expect(await term.waitFor(/count \d+/)).toContain('count 42');
		const error = await term.waitFor('never shown', 200).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TerminalWaitError);
		expect((error as TerminalWaitError).screen).toContain('count 42');
		expect((error as Error).message).toContain('timed out after 200 ms');
	});

	it('waitFor rejects as soon as the program exits without a match', async () => {
		const term = runNode(`console.log('bye')`);
		const error = await term.waitFor('never shown', 10_000).catch((e: unknown) => e);
		expect((error as Error).message).toContain('program exited (code 0');
	});

	it('reports the window title set with OSC 0', async () => {
		const term = runNode(`process.stdout.write('\\x1b]0;my title\\x07titled\\n'); setInterval(() => {}, 1000);`);
		expect(term.title()).toBe('');
		await term.waitFor('titled');
		expect(term.title()).toBe('my title');
	});

	it('a command that cannot be executed exits with code 1 instead of throwing', async () => {
		const term = startTerminal({command: '/nonexistent/hermes-command'});
		sessions.push(term);
		expect(await term.exited).toEqual({exitCode: 1});
		expect(term.screen()).toContain('execvp(3) failed');
	});

	it('kill ends the program with a signal and records raw output', async () => {
		const term = runNode(`process.stdout.write('\\x1b[31mred\\x1b[0m\\n'); setInterval(() => {}, 1000);`);
		await term.waitFor('red');
		expect(term.output()).toContain('\x1b[31mred');
		term.kill('SIGKILL');
		expect((await term.exited).signal).toBe(9);
	});
});
