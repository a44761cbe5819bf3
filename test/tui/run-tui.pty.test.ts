// runTui in a real terminal: alternate screen, restore on every exit path, resize, load.
import {PassThrough} from 'node:stream';
import {afterEach, describe, expect, it} from 'vitest';
import {MAX_FPS} from '../../src/tui/run.js';
import {runInPty, type PtySession} from './pty-harness.js';

const ENTER = '\u001b[?1049h';
const LEAVE = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';
let session: PtySession | undefined;
afterEach(() => {
	try {
		session?.pty.kill();
	} catch {
		// already gone
	}
});

async function startChat(env: Record<string, string> = {}): Promise<PtySession> {
	session = runInPty('./fixtures/run-fake.tsx', {env});
	await session.waitForScreen((rows) => rows.some((r) => r.includes('broker up')), 'first frame');
	expect(session.output()).toContain(ENTER);
	return session;
}

/** The terminal was restored: the last alternate-screen switch is "leave" and the cursor is shown after it. */
function expectRestored(output: string): void {
	expect(output.lastIndexOf(LEAVE)).toBeGreaterThan(output.lastIndexOf(ENTER));
	expect(output.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(output.lastIndexOf('\u001b[?25l'));
}

describe('runTui restores the terminal', () => {
	it('on /quit', async () => {
		const s = await startChat();
		s.pty.write('\t');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('/open <user>, or /help')), 'composer focused');
		s.pty.write('/quit');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('› /quit')), 'typed /quit');
		s.pty.write('\r');
		expect((await s.exited).exitCode).toBe(0);
		expectRestored(s.output());
	});

	it('on Ctrl+C', async () => {
		const s = await startChat();
		s.pty.write('\u0003');
		expect((await s.exited).exitCode).toBe(0);
		expectRestored(s.output());
	});

	it.each(['SIGTERM', 'SIGINT', 'SIGHUP'])('on %s', async (signal) => {
		const s = await startChat();
		s.pty.kill(signal);
		expect((await s.exited).exitCode).toBe(0);
		expectRestored(s.output());
	});

	it('on an uncaught exception, then prints one line', async () => {
		const s = await startChat();
		s.pty.kill('SIGUSR1');
		expect((await s.exited).exitCode).toBe(3);
		const output = s.output();
		expectRestored(output);
		expect(output.slice(output.lastIndexOf(LEAVE))).toContain('hermes-chat: boom from a timer');
	});

	it('on an unhandled rejection', async () => {
		const s = await startChat();
		s.pty.kill('SIGUSR2');
		expect((await s.exited).exitCode).toBe(3);
		expectRestored(s.output());
		expect(s.output().slice(s.output().lastIndexOf(LEAVE))).toContain('hermes-chat: rejected promise');
	});
});

describe('runTui on screen', () => {
	it('redraws at the new size on resize', async () => {
		const s = await startChat();
		const right = (rows: string[]): number => Math.max(...rows.map((r) => r.trimEnd().length));
		expect(right(s.screen())).toBe(100);
		s.resize(80, 24);
		const small = await s.waitForScreen((rows) => right(rows) === 80 && rows.some((r) => r.includes('broker up')), 'redraw at 80 columns');
		expect(small.filter((r) => r.includes('╭')).length).toBeGreaterThan(0);
		s.resize(120, 30);
		await s.waitForScreen((rows) => right(rows) === 120, 'redraw at 120 columns');
		s.pty.write('\u0003');
		await s.exited;
	});

	it.each([
		['while 100 messages/s arrive in a background conversation', '1'],
		['with no traffic (baseline)', '0'],
	])('keeps typing intact %s', async (label, load) => {
		const s = await startChat({FIXTURE_LOAD: load});
		// Carol's conversation fills in the background and sorts first; open Bob by the switcher.
		s.pty.write('\u000b');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('Switch to')), 'switcher');
		s.pty.write('bob');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('> bob')), 'query typed');
		s.pty.write('\r');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('Bob (bob) ·')), 'bob open');
		const text = 'the quick brown fox jumps over the lazy dog';
		const bytesBefore = s.output().length;
		const started = performance.now();
		for (const ch of text) {
			s.pty.write(ch);
			// One key per screen update that shows it, as a fast typist sees it.
			await s.waitForScreen((rows) => rows.some((r) => r.includes(`› ${text.slice(0, text.indexOf(ch) + 1)}`)), `typed ${ch}`);
		}
		const elapsed = performance.now() - started;
		const screen = s.screen();
		expect(screen.some((r) => r.includes(`› ${text}`))).toBe(true);
		if (load === '1') expect(screen.some((r) => /Carol\s+\(\d+\)/.test(r))).toBe(true);
		const perKeyMs = elapsed / text.length;
		const written = s.output().slice(bytesBefore);
		// Ink wraps each frame in a synchronized-output block (DEC mode 2026).
		const frames = written.split('\u001b[?2026h').length - 1;
		console.log(
			`${label}: ${text.length} keys echoed in ${elapsed.toFixed(0)} ms (${perKeyMs.toFixed(1)} ms/key), ` +
				`${frames} frames (${((frames * 1000) / elapsed).toFixed(1)}/s), ${written.length} bytes`,
		);
		if (load === '1') {
			// The frame cap holds however many messages arrive (one frame of slack at each end).
			expect(frames).toBeLessThanOrEqual(Math.ceil((MAX_FPS * elapsed) / 1000) + 2);
		} else {
			// Idle: one frame per key, nothing redrawn in between.
			expect(frames).toBeLessThanOrEqual(text.length + 2);
		}
		s.pty.write('\u0003');
		await s.exited;
	});
});

describe('runTui without a terminal', () => {
	it('refuses at once with one clear line and draws nothing', async () => {
		const {runTui} = await import('../../src/tui/run.js');
		const {FakeChatPort} = await import('../helpers/fake-port.js');
		const out = new PassThrough();
		const written: string[] = [];
		out.on('data', (chunk: Buffer) => written.push(chunk.toString()));
		const stdout = out as unknown as NodeJS.WriteStream;
		const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
		await expect(runTui({port: new FakeChatPort(), stdout, stdin})).rejects.toThrow(/needs an interactive terminal/);
		expect(written.join('')).toBe('');
	});
});

describe('runTui input', () => {
	it('survives pasted escape sequences that crash Ink 6.8 (ink#901) and keeps the text around them', async () => {
		const s = await startChat();
		s.pty.write('\t');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('/open <user>, or /help')), 'composer focused');
		s.pty.write('abc\u001b[8mdef\u001b[5L\u001b[6n\u001b[1;5Pghi');
		await s.waitForScreen((rows) => rows.some((r) => r.includes('› abcdefghi')), 'text without the sequences');
		s.pty.write('\u001b'); // Escape still works: back to the list (the composer loses its › mark)
		await s.waitForScreen((rows) => rows.some((r) => r.includes('│  abcdefghi')), 'escape handled');
		s.pty.write('\u0003');
		expect((await s.exited).exitCode).toBe(0);
	});
});
