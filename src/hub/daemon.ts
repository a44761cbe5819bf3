// The hub as a background process that outlives the TUI that started it (like a tmux server).
// May import hub/ and node: modules only.
import {spawn} from 'node:child_process';
import {mkdir, open, readFile, rename, stat} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {setTimeout as delay} from 'node:timers/promises';
import {hubAnswers, hubLogPath, readHubFile, removeHubFile, type HubRecord} from './hub-file.js';
import type {HubPhase} from './hub.js';
import {isProcessAlive} from './lock.js';

/** Exit code of `hermes-chat hub` when a hub already runs (port or data directory taken). */
export const EXIT_HUB_RUNNING = 3;

/** How often the hub file is polled while waiting, in ms. */
const POLL_MS = 100;

/** A hub found or started by {@link ensureHub}. */
export interface HubEndpoint {
	mqttUrl: string;
	databaseUrl: string;
	/** Base topic its ingester serves. */
	topicBase: string;
	pid: number;
	/** Whether this call started it (false: it was already running, or another caller started it). */
	started: boolean;
}

/** Options for {@link ensureHub}. */
export interface EnsureHubOptions {
	/** The hermes home (`hermesHome()`): data, `hub.json`, `hub.log`. */
	home: string;
	/** Called when the start-up phase changes (starting broker → opening database → migrating → … → ready). */
	onProgress?: (phase: HubPhase) => void;
	/** Ports and base topic for a hub this call starts (defaults: the hub's). */
	mqttPort?: number;
	pgPort?: number;
	topicBase?: string;
	/** How long to wait for the hub to be ready, in ms (default 90 000; the first start runs initdb). */
	timeoutMs?: number;
	/** The CLI entry to spawn (default: `dist/cli/main.js` next to this module). */
	entry?: string;
}

/**
 * Find the running hub of `home`, or start one in the background and wait until it is ready.
 * A hub counts as running when `{home}/hub.json` names a live pid whose MQTT and Postgres
 * ports answer. Otherwise `node <entry> hub --foreground` is spawned detached (own session,
 * so closing the terminal does not stop it) with output appended to `{home}/hub.log`.
 * Two concurrent calls yield one hub: the hub that loses the port / data-directory race
 * exits with {@link EXIT_HUB_RUNNING} and its caller waits for the winner.
 * @throws Error with the tail of hub.log when the hub exits during start-up, or on timeout.
 */
export async function ensureHub(options: EnsureHubOptions): Promise<HubEndpoint> {
	const {home} = options;
	const deadline = Date.now() + (options.timeoutMs ?? 90_000);
	let child: {pid: number; exit?: number | null; exitedAt?: number} | undefined;
	let lastPhase: string | undefined;
	for (;;) {
		const record = await readHubFile(home);
		if (record && isProcessAlive(record.pid)) {
			if (record.phase !== lastPhase) {
				lastPhase = record.phase;
				options.onProgress?.(record.phase as HubPhase);
			}
			if (await hubAnswers(record)) return endpointOf(record, record.pid === child?.pid);
		} else if (!child) {
			child = await spawnHub(options);
			lastPhase = 'starting broker';
			options.onProgress?.('starting broker');
		} else if (child.exit !== undefined) {
			// The loser of a start race exits once the winner holds the port, and the winner writes
			// hub.json right after that: a short grace covers the gap.
			const isRaceLoser = child.exit === EXIT_HUB_RUNNING;
			if (!isRaceLoser || Date.now() - (child.exitedAt ?? 0) > 2_000) {
				throw new Error(`the hub exited during start-up (code ${child.exit}): ${await logTail(home, isRaceLoser ? 1 : 5)}`);
			}
		}
		if (Date.now() > deadline) {
			throw new Error(`the hub did not become ready in time; see ${hubLogPath(home)}: ${await logTail(home)}`);
		}
		await delay(POLL_MS);
	}
}

/** What {@link hubStatus} reports. */
export interface HubStatus {
	/** `running`: ready and answering; `starting`: still starting; `stopped`: no live hub. */
	state: 'running' | 'starting' | 'stopped';
	pid?: number;
	mqttUrl?: string;
	databaseUrl?: string;
	topicBase?: string;
	/** ISO 8601. */
	startedAt?: string;
	/** Where the database lives (`{home}/pgdata`) and hub.json. */
	dataDir: string;
	logFile: string;
}

/** Report whether the hub of `home` runs, and where. Never throws for a missing or stale hub.json. */
export async function hubStatus(home: string): Promise<HubStatus> {
	const record = await readHubFile(home);
	const common = {dataDir: home, logFile: hubLogPath(home)};
	if (!record || !isProcessAlive(record.pid)) return {state: 'stopped', ...common};
	const answers = await hubAnswers(record);
	if (record.state === 'ready' && !answers) return {state: 'stopped', ...common};
	return {
		state: answers ? 'running' : 'starting',
		pid: record.pid,
		mqttUrl: record.mqtt_url,
		databaseUrl: record.database_url,
		topicBase: record.topic_base,
		startedAt: record.started_at,
		...common,
	};
}

/**
 * Stop the hub of `home`: SIGTERM, wait for the process to exit (it flushes the ingester and
 * closes PGlite), remove hub.json. A stale hub.json (dead pid) is just removed.
 * @returns the pid that was stopped, or `undefined` when no hub was running.
 * @throws Error when the hub has not exited within `timeoutMs` (default 30 000 ms).
 */
export async function stopHub(home: string, timeoutMs = 30_000): Promise<number | undefined> {
	const record = await readHubFile(home);
	if (!record) return undefined;
	// A ready record whose ports are dead may name a reused pid: never signal a stranger.
	const isOurs = isProcessAlive(record.pid) && (record.state === 'starting' || (await hubAnswers(record)));
	if (!isOurs) {
		await removeHubFile(home, record.pid);
		return undefined;
	}
	process.kill(record.pid, 'SIGTERM');
	const deadline = Date.now() + timeoutMs;
	while (isProcessAlive(record.pid)) {
		if (Date.now() > deadline) throw new Error(`hub (pid ${record.pid}) did not stop within ${timeoutMs} ms`);
		await delay(50);
	}
	await removeHubFile(home, record.pid);
	return record.pid;
}

function endpointOf(record: HubRecord, started: boolean): HubEndpoint {
	return {
		mqttUrl: record.mqtt_url!,
		databaseUrl: record.database_url!,
		topicBase: record.topic_base ?? 'chat/messages',
		pid: record.pid,
		started,
	};
}

async function spawnHub(options: EnsureHubOptions): Promise<{pid: number; exit?: number | null; exitedAt?: number}> {
	const entry = options.entry ?? fileURLToPath(new URL('../cli/main.js', import.meta.url));
	await mkdir(options.home, {recursive: true});
	await rotateLog(hubLogPath(options.home));
	const log = await open(hubLogPath(options.home), 'a');
	const args = [entry, 'hub', '--foreground'];
	if (options.mqttPort !== undefined) args.push('--mqtt-port', String(options.mqttPort));
	if (options.pgPort !== undefined) args.push('--pg-port', String(options.pgPort));
	if (options.topicBase !== undefined) args.push('--topic', options.topicBase);
	try {
		const child = spawn(process.execPath, args, {
			detached: true,
			stdio: ['ignore', log.fd, log.fd],
			env: {...process.env, HERMES_HOME: options.home},
		});
		const state: {pid: number; exit?: number | null; exitedAt?: number} = {pid: child.pid ?? -1};
		child.once('exit', (code) => {
			state.exit = code;
			state.exitedAt = Date.now();
		});
		child.once('error', () => {
			state.exit = -1;
			state.exitedAt = Date.now();
		});
		child.unref();
		return state;
	} finally {
		await log.close();
	}
}

/** Largest hub.log kept before it is moved to hub.log.1 at the next start, in bytes. */
const MAX_LOG_BYTES = 10 * 1024 * 1024;

async function rotateLog(path: string): Promise<void> {
	const size = await stat(path).then((s) => s.size, () => 0);
	if (size > MAX_LOG_BYTES) await rename(path, `${path}.1`).catch(() => undefined);
}

async function logTail(home: string, lines = 5): Promise<string> {
	try {
		const text = await readFile(hubLogPath(home), 'utf8');
		return text.trimEnd().split('\n').slice(-lines).join(' | ');
	} catch {
		return '(no hub.log)';
	}
}
