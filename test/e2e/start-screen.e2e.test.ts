// End to end: Ctrl+C on the embedded hub's start-up screen restores the terminal and says in
// one line what goes on (the hub keeps starting in the background), exit code 130.
import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, expect, it} from 'vitest';
import {startTerminal} from '../helpers/terminal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);
const homes: string[] = [];
const embedded = (home: string) => ({
	HERMES_HOME: home,
	MQTT_URL: undefined,
	MQTT_BROKER_HOST: undefined,
	DATABASE_URL: undefined,
	POSTGRES_HOST: undefined,
});

afterAll(async () => {
	for (const home of homes) {
		await run(process.execPath, [CLI, 'hub', 'stop'], {env: {...process.env, HERMES_HOME: home}}).catch(() => undefined);
		await rm(home, {recursive: true, force: true});
	}
});

it('Ctrl+C on the start-up screen restores the terminal and says the hub goes on starting', {timeout: 120_000}, async () => {
	const home = await mkdtemp(join(tmpdir(), 'hermes-start-'));
	homes.push(home);
	const terminal = startTerminal({command: process.execPath, args: [CLI, '--user', 'ivy'], env: embedded(home), cols: 100, rows: 28});
	try {
		// Once the hub process runs (its first step is on screen), cancelling leaves it starting.
		await terminal.waitFor(/› (opening database|migrating)/, 60_000);
		expect(terminal.isAlternateScreen()).toBe(true);
		terminal.press('ctrl-c');
		expect((await terminal.exited).exitCode).toBe(130);
		expect(terminal.isAlternateScreen()).toBe(false);
		expect(terminal.screen()).toContain('hermes-chat: cancelled — the hub goes on starting in the background');
	} finally {
		await terminal.close();
	}
	// It did go on: `hub status` soon finds it running.
	const state = async () => {
		// Exit status 3 while it is not (yet) running: read the JSON either way.
		const {stdout} = await run(process.execPath, [CLI, 'hub', 'status', '--json'], {env: {...process.env, HERMES_HOME: home}}).catch(
			(error: {code?: number; stdout: string}) => (error.code === 3 ? error : Promise.reject(error)),
		);
		return (JSON.parse(stdout) as {state: string}).state;
	};
	await expect.poll(state, {timeout: 60_000, interval: 500}).toBe('running');
});
