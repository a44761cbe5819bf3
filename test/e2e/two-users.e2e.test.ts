// End to end (issue 7, outcome 7): two people on one machine, one HERMES_HOME, keep their own
// names and settings. Regression: one shared config.json made `--user fredy` after david's run
// show "fredy (fredy)" and gave fredy david's notification choice. The services are unreachable
// on purpose: identity and settings must not need them.
import {existsSync, readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';
import {CLI, embeddedEnv, submit} from './embedded-cli.js';

const NOWHERE = ['--mqtt-url', 'mqtt://127.0.0.1:1', '--database-url', 'postgres://postgres@127.0.0.1:1/none'];

let home: string;
const sessions: TerminalSession[] = [];

beforeAll(async () => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
	home = await mkdtemp(join(tmpdir(), 'hermes-two-users-'));
});
afterEach(async (context) => {
	if (context.task.result?.state === 'fail') for (const session of sessions) console.log(`--- screen ---\n${session.screen()}`);
	await Promise.all(sessions.splice(0).map((session) => session.close()));
});
afterAll(async () => {
	await rm(home, {recursive: true, force: true});
});

function chat(...args: string[]): TerminalSession {
	const session = startTerminal({command: process.execPath, args: [CLI, ...NOWHERE, ...args], env: embeddedEnv(home), cwd: home, cols: 100, rows: 26});
	sessions.push(session);
	return session;
}

const userFile = (userId: string): Record<string, unknown> | undefined => {
	const path = join(home, 'config', 'users', `${userId}.json`);
	return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : undefined;
};

async function quit(session: TerminalSession): Promise<void> {
	await submit(session, '/quit');
	expect((await session.exited).exitCode).toBe(0);
}

it('fredy and david keep their own names and notification settings; a bare start asks, Enter taking the last explicit choice', async () => {
	const fredy = chat('--user', 'fredy', '--name', 'Fredy');
	await fredy.waitFor('Fredy (fredy)', 20_000);
	await submit(fredy, '/notify off global');
	await expect.poll(() => (userFile('fredy')?.notifications as {mode?: string} | undefined)?.mode, {timeout: 10_000}).toBe('off');
	await quit(fredy);

	const david = chat('--user', 'david', '--name', 'David');
	await david.waitFor('David (david)', 20_000);
	await quit(david);

	// fredy again, without --name: his own name, his own settings; david's file untouched.
	const fredyAgain = chat('--user', 'fredy');
	await fredyAgain.waitFor('Fredy (fredy)', 20_000);
	expect(fredyAgain.screen()).not.toContain('fredy (fredy)');
	await quit(fredyAgain);
	expect(userFile('fredy')).toMatchObject({name: 'Fredy', notifications: {mode: 'off'}});
	expect(userFile('david')).toEqual({name: 'David'});

	// A bare start with two identities here asks instead of silently taking the last one;
	// Enter takes the one this OS account chose explicitly last (fredy).
	const bare = chat();
	await bare.waitFor('Who are you? david, fredy — or a new user id [fredy]:', 20_000);
	bare.press('enter');
	await bare.waitFor('Fredy (fredy)', 20_000);
	expect(bare.output()).not.toContain('Pick a user id');
	await quit(bare);
});
