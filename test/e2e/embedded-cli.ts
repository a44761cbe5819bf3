// Test helper for the embedded-default e2e: runs the built `hermes-chat` CLI against one
// HERMES_HOME with no broker or database configured, in a real terminal or as a plain command.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readdir, readFile, rm} from 'node:fs/promises';
import {promisify} from 'node:util';
import {readHubFile} from '../../src/hub/hub-file.js';
import {startTerminal, TerminalWaitError, type TerminalSession} from '../helpers/terminal.js';

const run = promisify(execFile);

/** The built CLI (`npm run build` first; `npm test` does). */
export const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

/** Variables that would point hermes-chat at configured services or another identity. */
const SERVICE_VARIABLES = [
	'MQTT_URL', 'MQTT_BROKER_HOST', 'MQTT_BROKER_PORT', 'MQTT_USERNAME', 'MQTT_PASSWORD', 'MQTT_TOPIC',
	'DATABASE_URL', 'POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD',
	'CHAT_USER_ID', 'CHAT_USER_NAME', 'NO_COLOR',
];

/**
 * The child environment for `home`: HERMES_HOME set, every service variable removed (a value of
 * `undefined` removes it, as {@link startTerminal} expects), colours forced on.
 */
export function embeddedEnv(home: string): Record<string, string | undefined> {
	const env: Record<string, string | undefined> = {HERMES_HOME: home, FORCE_COLOR: '1'};
	for (const name of SERVICE_VARIABLES) env[name] = undefined;
	return env;
}

/** `hermes-chat --user <userId> --name <name>` in a 110×30 terminal with the embedded default. */
export function startChat(home: string, userId: string, name: string): TerminalSession {
	return startTerminal({
		command: process.execPath,
		args: [CLI, '--user', userId, '--name', name],
		env: embeddedEnv(home),
		cwd: home,
		cols: 110,
		rows: 30,
	});
}

/** What `hermes-chat hub status --json` prints (src/hub/daemon.ts HubStatus). */
export interface HubStatusJson {
	state: 'running' | 'starting' | 'stopped';
	pid?: number;
	mqttUrl?: string;
	databaseUrl?: string;
	dataDir: string;
	/** Where the hub secret is (never the secret). */
	secretFile: string;
}

/**
 * Run `hermes-chat hub <args>` for `home` to completion.
 * @returns its stdout.
 * @throws the execFile error (with stderr) on a non-zero exit.
 */
export async function hubCli(home: string, ...args: string[]): Promise<string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries({...process.env, ...embeddedEnv(home)})) {
		if (value !== undefined) env[key] = value;
	}
	const {stdout} = await run(process.execPath, [CLI, 'hub', ...args], {env, cwd: home, timeout: 45_000});
	return stdout;
}

/** `hermes-chat hub status --json`, parsed (it exits 3 when the hub is not running; the JSON says why). */
export async function hubStatusJson(home: string): Promise<HubStatusJson> {
	const stdout = await hubCli(home, 'status', '--json').catch((error: {code?: number; stdout?: string}) => {
		if (error.code === 3 && error.stdout) return error.stdout;
		throw error;
	});
	return JSON.parse(stdout) as HubStatusJson;
}

/** Whether a process with `pid` exists (signal 0). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Pids of the `hub --foreground` processes whose environment has `HERMES_HOME=home` (Linux
 * /proc); `undefined` where /proc is not available.
 */
export async function hubProcessesOf(home: string): Promise<number[] | undefined> {
	if (!existsSync('/proc/self/environ')) return undefined;
	const pids: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
			if (!cmdline.includes('hub') || !cmdline.includes('--foreground')) continue;
			const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
			if (environ.includes(`HERMES_HOME=${home}`)) pids.push(Number(entry));
		} catch {
			// The process ended while we looked, or is not ours to read.
		}
	}
	return pids;
}

/**
 * Resolve once `predicate` holds for a frame of `session` (checked on every screen update, via
 * the harness's `waitFor`), e.g. for a cell's colour that changes without the text changing.
 * @returns the screen text of that frame (read later, `session.screen()` may be a frame in the
 *   middle of its redraw).
 * @throws TerminalWaitError after `timeoutMs`, naming `what`.
 */
export async function waitUntil(session: TerminalSession, predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<string> {
	// waitFor takes a RegExp and calls its `test` on each frame: a RegExp whose test is the predicate.
	const probe = Object.assign(/(?:)/, {test: () => predicate(), toString: () => what});
	try {
		return await session.waitFor(probe, timeoutMs);
	} catch (error) {
		if (error instanceof TerminalWaitError) throw new TerminalWaitError(`waiting for ${what}`, error.screen);
		throw error;
	}
}

/** Type `text`, wait until the composer shows it (`› text`), then press Enter. */
export async function submit(session: TerminalSession, text: string): Promise<void> {
	session.write(text);
	await session.waitFor(`› ${text}`);
	session.press('enter');
}

/**
 * Never leave a hub running: `hub stop` for `home` (a clean drain), else SIGKILL the pid hub.json
 * names and every hub process of `home`; then remove `home`.
 */
export async function stopHubAndRemoveHome(home: string): Promise<void> {
	await hubCli(home, 'stop').catch(() => undefined);
	const record = await readHubFile(home);
	if (record && isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
	for (const pid of (await hubProcessesOf(home)) ?? []) process.kill(pid, 'SIGKILL');
	await rm(home, {recursive: true, force: true});
}
