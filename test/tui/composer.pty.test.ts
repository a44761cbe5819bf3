// The composer in a real terminal: bracketed paste, the external editor, mouse, modes restored.
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest';
import {INPUT_MODES_OFF, INPUT_MODES_ON} from '../../src/tui/run.js';
import {bundledFixture, removeBundledFixtures} from '../helpers/fixture-bundle.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

const FIXTURE = 'test/tui/fixtures/run-fake.tsx';
let session: TerminalSession | undefined;
let dir: string;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'hermes-composer-pty-'));
});
afterEach(async () => {
	await session?.close();
	session = undefined;
	rmSync(dir, {recursive: true, force: true});
});
afterAll(removeBundledFixtures);

/** The fixture chat (runTui over a FakeChatPort) in a 100×30 terminal, Bob's conversation open. */
async function openBob(env: Record<string, string> = {}): Promise<TerminalSession> {
	session = startTerminal({command: process.execPath, args: [await bundledFixture(FIXTURE)], cols: 100, rows: 30, env});
	await session.waitFor('broker up', 15_000);
	session.press('enter');
	await session.waitFor('message, or /help');
	return session;
}

/** The three screen rows from the one holding `first` on, trimmed of the box borders. */
function rowsFrom(screen: string, first: string, count: number): string[] {
	const rows = screen.split('\n');
	const at = rows.findIndex((r) => r.includes(first));
	return rows.slice(at, at + count).map((r) => r.split('│').at(-2)?.trimEnd() ?? '');
}

/** Quit with Ctrl+C and return what the fixture's port was asked to send: [to, content][]. */
async function quitAndSent(s: TerminalSession): Promise<Array<[string, string]>> {
	s.press('ctrl-c');
	expect((await s.exited).exitCode).toBe(0);
	const line = /fixture: sent (.*)/.exec(s.output())?.[1];
	return JSON.parse(line ?? 'null') as Array<[string, string]>;
}

/** An $EDITOR: a shell script that keeps what it was given in seen.txt, then runs `body` on "$1". */
function editorScript(body: string): string {
	const path = join(dir, 'editor.sh');
	writeFileSync(path, `#!/bin/sh\ncp "$1" "${dir}/seen.txt"\n${body}\n`);
	chmodSync(path, 0o755);
	return path;
}

describe('bracketed paste', () => {
	it('turns a paste of three lines into one three-line message, sent only on Enter', async () => {
		const s = await openBob();
		expect(s.output()).toContain(INPUT_MODES_ON);
		s.write('\u001b[200~first line\rsecond line\rthird line\u001b[201~');
		const before = await s.waitFor('› first line');
		// The draft grew to three lines in the composer; nothing was sent.
		expect(rowsFrom(before, '› first line', 3)).toEqual(['› first line', '  second line', '  third line']);
		expect(before).not.toContain('Alice: first line');
		s.press('enter');
		const after = await s.waitFor(/Alice: first line/);
		expect(rowsFrom(after, 'Alice: first line', 3).map((r) => r.trim())).toEqual([expect.stringMatching(/Alice: first line /), 'second line', 'third line']);
		expect(await quitAndSent(s)).toEqual([['alice:bob', 'first line\nsecond line\nthird line']]);
		const output = s.output();
		expect(output.lastIndexOf(INPUT_MODES_OFF)).toBeGreaterThan(output.lastIndexOf(INPUT_MODES_ON));
	});

	it('Alt+Enter and Shift+Enter (CSI u) insert a newline instead of sending', async () => {
		const s = await openBob();
		s.write('one\u001b\rtwo\u001b[13;2uthree');
		expect(rowsFrom(await s.waitFor(/│ {2}three/), '› one', 3)).toEqual(['› one', '  two', '  three']);
		s.press('enter');
		await s.waitFor('Alice: one');
		expect(await quitAndSent(s)).toEqual([['alice:bob', 'one\ntwo\nthree']]);
	});
});

describe('external editor', () => {
	it('Ctrl+X Ctrl+E opens $EDITOR on the draft and sends what it saved', async () => {
		const editor = editorScript(`printf 'reply from the editor\\n' > "$1"`);
		const s = await openBob({EDITOR: editor, VISUAL: ''});
		s.write('my draft');
		await s.waitFor('› my draft');
		s.write('\u0018\u0005');
		// The whole frame is back after the editor: thread, empty composer, status line.
		const screen = await s.waitFor(/Alice: reply from the editor[\s\S]*message, or \/help[\s\S]*message from the editor/);
		expect(screen.split('\n')[0]).toMatch(/^╭─+╮╭─+╮$/);
		expect(readFileSync(join(dir, 'seen.txt'), 'utf8')).toBe('my draft');
		expect(await quitAndSent(s)).toEqual([['alice:bob', 'reply from the editor']]);
		// The editor got the normal screen without our modes, and the chat took both back after.
		const output = s.output();
		expect(output.lastIndexOf(INPUT_MODES_ON)).toBeGreaterThan(output.indexOf(INPUT_MODES_OFF));
	});

	it('/editor with an empty file sends nothing and keeps the draft', async () => {
		const editor = editorScript(`: > "$1"`);
		const s = await openBob({VISUAL: editor});
		s.write('/editor keep me');
		s.press('enter');
		const screen = await s.waitFor('empty message — nothing sent, draft kept');
		expect(screen).toContain('› keep me');
		expect(readFileSync(join(dir, 'seen.txt'), 'utf8')).toBe('keep me');
		expect(await quitAndSent(s)).toEqual([]);
	});
});

describe('mouse', () => {
	it('a click on a conversation opens it; the wheel scrolls the thread', async () => {
		const s = await openBob();
		s.write(Array.from({length: 30}, (_, i) => `m${i + 1}\r`).join(''));
		await s.waitFor('Alice: m30 ');
		s.write('\u001b[<64;60;10M');
		// Three rows up: m30, m29, m28 leave the bottom, m27 is the newest row shown.
		await s.waitFor(/^(?![\s\S]*Alice: m28 )[\s\S]*Alice: m27 /);
		// Carol is the second entry: list rows 2–3 are Bob, 4–5 Carol (SGR, 1-based).
		s.write('\u001b[<0;5;4M\u001b[<0;5;4m');
		await s.waitFor('Carol (carol)');
		expect(await quitAndSent(s)).toHaveLength(30);
	});
});
