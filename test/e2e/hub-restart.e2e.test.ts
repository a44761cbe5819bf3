// End to end (issue 7, outcome 9): the embedded hub restarting loses nothing of the receipt
// flow. Two real terminals on one HERMES_HOME; david has the conversation open; `hub stop`;
// fredy sends; `hub start`: fredy's message goes out of the outbox, david's open thread shows it
// without reopening (caught up from PostgreSQL), and fredy's tick completes to ✓✓ read (bold cyan).
// Regression: the message stayed at ✓ and no delivered/read was ever stored.
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {TerminalSession} from '../helpers/terminal.js';
import {CLI, hubCli, hubStatusJson, startChat, stopHubAndRemoveHome, submit, waitUntil} from './embedded-cli.js';

/** xterm palette index of Ink's `cyan` (SGR 36). */
const CYAN = 6;
/** The first start creates the PGlite database (initdb): slow on a busy 2-core machine. */
const HUB_START_MS = 60_000;
const READY = /broker up[\s\S]*db up/;

describe('embedded hub restart: a message sent while it was stopped completes to ✓✓ read', {timeout: 300_000}, () => {
	let home: string;
	const sessions: TerminalSession[] = [];
	const text = `while the hub slept ${randomUUID().slice(0, 8)}`;

	beforeAll(async () => {
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
		home = await mkdtemp(join(tmpdir(), 'hermes-hub-restart-'));
	});
	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') for (const session of sessions) console.log(`--- screen ---\n${session.screen()}`);
	});
	afterAll(async () => {
		await Promise.all(sessions.map((session) => session.close()));
		await stopHubAndRemoveHome(home);
	}, 60_000);

	it('hub stop → fredy sends → hub start: david’s open thread shows it, fredy sees ✓✓ in bold cyan', async () => {
		const fredy = startChat(home, 'fredy', 'Fredy');
		sessions.push(fredy);
		await fredy.waitFor(READY, HUB_START_MS);
		const david = startChat(home, 'david', 'David');
		sessions.push(david);
		await david.waitFor(READY, HUB_START_MS);
		const firstPid = (await hubStatusJson(home)).pid;

		// Both have the conversation open and visible.
		await submit(fredy, '/open david');
		await fredy.waitFor('David (david)');
		await submit(david, '/open fredy');
		await david.waitFor('Fredy (fredy)');

		expect(await hubCli(home, 'stop')).toContain('hub: stopped');
		await fredy.waitFor(/broker (down|connecting)/, 30_000);
		await david.waitFor(/broker (down|connecting)/, 30_000);

		await submit(fredy, text);
		// In the outbox: on screen, not yet stored (no ✓).
		await fredy.waitFor(new RegExp(`Fredy: ${text}`));
		expect(fredy.screen()).not.toMatch(new RegExp(`Fredy: ${text}\\s+✓`));

		// Milliseconds per phase, printed for the report (nothing asserts them: machine speed varies).
		const timings: Record<string, number> = {};
		let started = performance.now();
		expect(await hubCli(home, 'start')).toMatch(/^hub started \(pid \d+\)/);
		timings['hub start (CLI returns)'] = Math.round(performance.now() - started);
		started = performance.now();
		expect((await hubStatusJson(home)).pid).not.toBe(firstPid);

		// David's open thread shows it by itself (no reopening), fredy's tick completes to read.
		await david.waitFor(new RegExp(`Fredy: ${text}`), 60_000);
		timings['ready → in david’s open thread'] = Math.round(performance.now() - started);
		const isRead = (): boolean => {
			const style = fredy.styleOf('✓✓', text);
			return style?.fg === CYAN && style.isBold;
		};
		await waitUntil(fredy, isRead, '✓✓ in bold cyan on fredy’s message after the restart', 60_000);
		timings['ready → ✓✓ read on fredy’s screen'] = Math.round(performance.now() - started);
		console.log(`hub restart e2e timings (ms): ${JSON.stringify(timings)}`);
		await fredy.waitFor(READY, 30_000);
		await david.waitFor(READY, 30_000);

		for (const session of [fredy, david]) {
			await submit(session, '/quit');
			expect((await session.exited).exitCode).toBe(0);
		}
		// The receipts were stored: a fresh TUI reads ✓✓ read back from PostgreSQL.
		const again = startChat(home, 'fredy', 'Fredy');
		sessions.push(again);
		await again.waitFor(READY, 30_000);
		await submit(again, '/open david');
		await waitUntil(
			again,
			() => {
				const style = again.styleOf('✓✓', text);
				return style?.fg === CYAN && style.isBold === true;
			},
			'✓✓ read from PostgreSQL in a new session',
			30_000,
		);
		await submit(again, '/quit');
		expect((await again.exited).exitCode).toBe(0);
	});
});
