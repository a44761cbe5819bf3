// End to end, in a real terminal, against services that check passwords: in account mode (a
// DATABASE_URL without a user name) the TUI asks for the password without echoing a single
// character, says "wrong password for alice" and asks again, opens the chat connected to both
// services, saves the password 0600 for the next start; `hermes-chat logout` forgets it.
import {execFile} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {accountServicesProblem, startAccountServices, type AccountServices} from '../helpers/account-services.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const PASSWORD = 'Tr0ub4dor:&3';
const WRONG = 'hunter2-wrong';

describe.skipIf(accountServicesProblem() !== undefined)('account login in a terminal', () => {
	let services: AccountServices;
	let home: string;
	const terminals: TerminalSession[] = [];

	beforeAll(async () => {
		services = await startAccountServices();
		await services.addAccount('alice', PASSWORD);
	});
	afterAll(async () => services?.stop());
	beforeEach(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-login-e2e-'));
	});
	afterEach(async () => {
		await Promise.all(terminals.splice(0).map((t) => t.close()));
		await rm(home, {recursive: true, force: true});
	});

	function chat(...args: string[]): TerminalSession {
		const terminal = startTerminal({
			command: process.execPath,
			args: [CLI, '--user', 'alice', '--name', 'Alice', ...args],
			env: {
				HERMES_HOME: home,
				DATABASE_URL: services.databaseUrl,
				MQTT_URL: services.mqttUrl,
				HERMES_PASSWORD: undefined,
				CHAT_USER_ID: undefined,
				CHAT_USER_NAME: undefined,
				POSTGRES_HOST: undefined,
				MQTT_BROKER_HOST: undefined,
			},
			cols: 100,
			rows: 28,
		});
		terminals.push(terminal);
		return terminal;
	}

	/** Everything the TUI wrote anywhere: the pty's bytes and its log files. */
	async function everythingWritten(terminal: TerminalSession): Promise<string> {
		const logs = join(home, 'logs');
		const files = await readdir(logs).catch(() => [] as string[]);
		const texts = await Promise.all(files.map((file) => readFile(join(logs, file), 'utf8')));
		return [terminal.output(), terminal.screen(), ...texts].join('\n');
	}

	it('asks without echo, refuses a wrong password and asks again, opens the chat, and saves the password for next time', async () => {
		const first = chat();
		await first.waitFor('Password for alice:');
		first.write(WRONG);
		first.write('\r');
		await first.waitFor(/wrong password for alice[\s\S]*Password for alice:/);
		first.write(PASSWORD.slice(0, 5));
		first.write(PASSWORD.slice(5));
		first.write('\r');
		await first.waitFor('Alice (alice)', 20_000);
		await first.waitFor(/broker up │ db up/, 20_000);
		const written = await everythingWritten(first);
		for (const secret of [WRONG, PASSWORD, PASSWORD.slice(0, 5), '*****']) expect(written).not.toContain(secret);
		first.write('/quit\r');
		expect((await first.exited).exitCode).toBe(0);

		const saved = join(home, 'credentials', 'alice');
		expect(statSync(saved).mode & 0o777).toBe(0o600);
		expect(statSync(join(home, 'credentials')).mode & 0o777).toBe(0o700);
		expect(readFileSync(saved, 'utf8')).toBe(PASSWORD);

		const second = chat();
		await second.waitFor(/broker up │ db up/, 20_000);
		expect(second.output()).not.toContain('Password for');
		second.write('/quit\r');
		expect((await second.exited).exitCode).toBe(0);

		const {stdout} = await promisify(execFile)(process.execPath, [CLI, 'logout', '--user', 'alice'], {env: {...process.env, HERMES_HOME: home}});
		expect(stdout).toMatch(/^forgot the saved password of alice/);
		expect(() => statSync(saved)).toThrow();
	});

	it('gives up after three wrong passwords with one line and exit code 1, saving nothing', async () => {
		const terminal = chat();
		for (let attempt = 1; attempt <= 3; attempt += 1) {
			await expect.poll(() => terminal.screen().split('Password for alice:').length - 1, {timeout: 15_000}).toBe(attempt);
			terminal.write(`${WRONG}${attempt}\r`);
		}
		const {exitCode} = await terminal.exited;
		expect(exitCode).toBe(1);
		// One line (the screen wraps it at 100 columns).
		expect(terminal.output()).toMatch(/hermes-chat: wrong password for alice — 3 tries; ask the operator for a new one: `hermes-chat account passwd alice`\r?\n/);
		expect(terminal.screen().match(/wrong password for alice/g)).toHaveLength(3);
		expect(terminal.output()).not.toMatch(/\bat .*\.js:\d+/);
		expect(await everythingWritten(terminal)).not.toContain(WRONG);
		await expect(readdir(join(home, 'credentials'))).rejects.toThrow();
	});

	it('logs in with HERMES_PASSWORD without asking or saving; --ask-password and the askPassword setting ask, and save nothing', async () => {
		const withEnv = startTerminal({
			command: process.execPath,
			args: [CLI, '--user', 'alice', '--name', 'Alice'],
			env: {HERMES_HOME: home, DATABASE_URL: services.databaseUrl, MQTT_URL: services.mqttUrl, HERMES_PASSWORD: PASSWORD},
			cols: 100,
			rows: 28,
		});
		terminals.push(withEnv);
		await withEnv.waitFor(/broker up │ db up/, 20_000);
		expect(withEnv.output()).not.toContain('Password for');
		withEnv.write('/quit\r');
		expect((await withEnv.exited).exitCode).toBe(0);
		await expect(readdir(join(home, 'credentials'))).rejects.toThrow();

		const asking = chat('--ask-password');
		await asking.waitFor('Password for alice:');
		asking.write(`${PASSWORD}\r`);
		await asking.waitFor(/broker up │ db up/, 20_000);
		asking.write('/quit\r');
		expect((await asking.exited).exitCode).toBe(0);
		await expect(readdir(join(home, 'credentials'))).rejects.toThrow();

		// The same as a setting of alice's own: `"askPassword": true` in config/users/alice.json.
		const settingsFile = join(home, 'config', 'users', 'alice.json');
		await writeFile(settingsFile, JSON.stringify({...JSON.parse(await readFile(settingsFile, 'utf8')), askPassword: true}));
		const bySetting = chat();
		await bySetting.waitFor('Password for alice:');
		bySetting.write(`${PASSWORD}\r`);
		await bySetting.waitFor(/broker up │ db up/, 20_000);
		bySetting.write('/quit\r');
		expect((await bySetting.exited).exitCode).toBe(0);
		await expect(readdir(join(home, 'credentials'))).rejects.toThrow();
	});
});
