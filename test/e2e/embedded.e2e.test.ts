// End-to-end: the embedded default (issue 3). Two real terminals run `hermes-chat` with a fresh
// HERMES_HOME and no broker or database configured: the first starts the background hub
// (start-up screen, then the chat), the second joins it; a message goes fredy → david and
// comes back read (✓✓ bold cyan); the hub outlives both TUIs; after `hub stop` the next TUI
// starts a new hub on the same data and the message is still in the history.
// The steps share one hub, so they run in order and each builds on the one before.
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {readHubFile} from '../../src/hub/hub-file.js';
import type {TerminalSession} from '../helpers/terminal.js';
import {CLI, hubCli, hubProcessesOf, hubStatusJson, isAlive, startChat, stopHubAndRemoveHome, submit, waitUntil} from './embedded-cli.js';

/** xterm palette index of Ink's `cyan` (SGR 36). */
const CYAN = 6;
/** The first start creates the PGlite database (initdb): slow on a busy 2-core machine. */
const HUB_START_MS = 45_000;
const READY = /broker up[\s\S]*db up/;

// Typically 25 s idle, 50 s on a loaded 2-core machine; the limits leave room for the latter.
describe('embedded default: two TUIs share one background hub', {timeout: 90_000}, () => {
	let home: string;
	const sessions: TerminalSession[] = [];
	let fredy: TerminalSession;
	let david: TerminalSession;
	let firstHubPid: number;
	// Short enough for the list's preview line; no RegExp metacharacters.
	/** Milliseconds each phase took, printed after the run (for the report; nothing asserts them). */
	const timings: Record<string, number> = {};
	const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
		const started = performance.now();
		try {
			return await work();
		} finally {
			timings[label] = Math.round(performance.now() - started);
		}
	};
	const text = `hi david ${randomUUID().slice(0, 8)}`;

	const open = (userId: string, name: string): TerminalSession => {
		const session = startChat(home, userId, name);
		sessions.push(session);
		return session;
	};
	/**
	 * The row of `text` in the thread shows ✓✓ in bold cyan (read). By the thread's `Fredy: text`:
	 * the list's preview row (`✓✓ text`) comes first on screen and may turn read a frame earlier.
	 */
	const isRead = (session: TerminalSession): boolean => {
		const style = session.styleOf('✓✓', `Fredy: ${text}`);
		return style?.fg === CYAN && style.isBold;
	};

	beforeAll(async () => {
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
		home = await mkdtemp(join(tmpdir(), 'hermes-e2e-home-'));
	});
	afterEach(async (context) => {
		// A failed step leaves its terminals running: show their screens, then close them.
		if (context.task.result?.state === 'fail') {
			for (const session of sessions) console.log(`--- screen ---\n${session.screen()}`);
		}
	});
	afterAll(async () => {
		console.log(`embedded e2e timings (ms): ${JSON.stringify(timings)}`);
		await Promise.all(sessions.map((session) => session.close()));
		await stopHubAndRemoveHome(home);
	}, 60_000);

	it('1. the first TUI shows the start-up steps, then the chat with broker up / db up', async () => {
		const spawned = performance.now();
		fredy = open('fredy', 'Fredy');
		// The waits start before the first frame, so no frame goes unseen.
		const steps = Promise.all([
			fredy.waitFor('Starting the embedded hub', HUB_START_MS),
			fredy.waitFor('› starting broker', HUB_START_MS),
			fredy.waitFor('› opening database', HUB_START_MS),
		]);
		const [startScreen] = await steps;
		expect(startScreen).toMatch(/starting broker[\s\S]*opening database[\s\S]*migrating[\s\S]*starting ingester/);
		expect(fredy.isAlternateScreen()).toBe(true);
		const chat = await fredy.waitFor(READY, HUB_START_MS);
		timings['first start: spawn → chat'] = Math.round(performance.now() - spawned);
		expect(chat).toContain('Fredy (fredy)');
		expect(chat).not.toContain('opening database');
		const status = await hubStatusJson(home);
		expect(status.state).toBe('running');
		expect(status.dataDir).toBe(home);
		expect(status.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
		expect(status.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
		// The chat connected with fredy's id and the hub secret; status names the file, never the secret.
		const secret = (await readFile(join(home, 'hub-secret'), 'utf8')).trim();
		expect(JSON.stringify(status)).not.toContain(secret);
		expect(status.secretFile).toBe(join(home, 'hub-secret'));
		firstHubPid = status.pid!;
		// A background daemon, not the TUI itself.
		expect(firstHubPid).toBeGreaterThan(0);
		expect(isAlive(firstHubPid)).toBe(true);
	});

	it('2. a second TUI on the same HERMES_HOME joins that hub (one hub pid)', async () => {
		const chat = await timed('join: spawn → chat', () => {
			david = open('david', 'David');
			return david.waitFor(READY, 30_000);
		});
		expect(chat).toContain('David (david)');
		// It found the hub running: no start-up screen this time.
		expect(david.output()).not.toContain('Starting the embedded hub');
		const status = await hubStatusJson(home);
		expect(status).toMatchObject({state: 'running', pid: firstHubPid});
		expect((await readHubFile(home))?.pid).toBe(firstHubPid);
		const hubs = await hubProcessesOf(home);
		if (hubs) expect(hubs).toEqual([firstHubPid]);
	});

	it('3. fredy → david: david sees the message; fredy sees ✓✓ read (bold cyan) once david opens it', async () => {
		await submit(fredy, '/open david');
		await fredy.waitFor('David (david)');
		await submit(fredy, text);
		// Stored by the hub's ingester (✓ or better) on fredy's screen.
		await timed('send → ✓ on screen', () => fredy.waitFor(new RegExp(`Fredy: ${text}\\s+✓`)));
		// David has not opened it: the message waits in his list as unread.
		const list = await timed('send → in david\'s list', () => david.waitFor(text));
		expect(list).toMatch(/Fredy\s+\(1\)/);
		expect(isRead(fredy)).toBe(false);
		const readFrame = await timed('david opens → read tick', async () => {
			await submit(david, '/open fredy');
			await david.waitFor(new RegExp(`Fredy: ${text}`));
			return waitUntil(fredy, () => isRead(fredy), '✓✓ in bold cyan on fredy\'s message');
		});
		// The frame in which the tick turned read (the live screen may be mid-redraw by now).
		expect(readFrame).toMatch(new RegExp(`Fredy: ${text}\\s+✓✓`));
	});

	it('4. both /quit, leave the alternate screen, and the hub keeps running', async () => {
		for (const session of [fredy, david]) {
			await submit(session, '/quit');
			expect((await timed(`/quit → exit (${sessions.indexOf(session)})`, () => session.exited)).exitCode).toBe(0);
			expect(session.isAlternateScreen()).toBe(false);
		}
		expect(await hubCli(home, 'status')).toMatch(new RegExp(`^hub:\\s+running\\npid:\\s+${firstHubPid}\\n`));
		expect(await hubStatusJson(home)).toMatchObject({state: 'running', pid: firstHubPid});
		expect(isAlive(firstHubPid)).toBe(true);
	});

	it('5. after `hub stop` the next TUI starts a new hub and the message is in the history', async () => {
		expect(await timed('hub stop', () => hubCli(home, 'stop'))).toContain(`hub: stopped (pid ${firstHubPid})`);
		expect(isAlive(firstHubPid)).toBe(false);
		expect((await hubStatusJson(home)).state).toBe('stopped');
		expect(await readHubFile(home)).toBeUndefined();

		await timed('restart: spawn → chat', async () => {
			fredy = open('fredy', 'Fredy');
			await fredy.waitFor('Starting the embedded hub', HUB_START_MS);
			await fredy.waitFor(READY, HUB_START_MS);
		});
		const status = await hubStatusJson(home);
		expect(status.state).toBe('running');
		expect(status.pid).not.toBe(firstHubPid);
		// The conversation list comes from Postgres: david's row previews the message.
		await fredy.waitFor(text);
		await submit(fredy, '/open david');
		await fredy.waitFor(new RegExp(`Fredy: ${text}\\s+✓✓`));
		// The read receipt was stored too, so the tick is still read.
		await waitUntil(fredy, () => isRead(fredy), '✓✓ read after the restart');
		await submit(fredy, '/quit');
		expect((await fredy.exited).exitCode).toBe(0);
		expect(fredy.isAlternateScreen()).toBe(false);
	});
});
