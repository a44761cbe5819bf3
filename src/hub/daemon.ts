// The hub as a background process that outlives the TUI that started it (like a tmux server).
// May import hub/ and node: modules only.
import {spawn} from 'node:child_process';
import {mkdir, open, readFile, rename, stat} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {setTimeout as delay} from 'node:timers/promises';
import {hubAnswers, hubLogPath, readHubFile, removeHubFile, type HubRecord} from './hub-file.js';
import {hubSecretPath, readHubSecret} from './hub-secret.js';
import type {HubPhase} from './hub.js';
import {isProcessAlive, readPid} from './lock.js';
import {readFile as readProcFile} from 'node:fs/promises';
import {join} from 'node:path';

/** Exit code of `hermes-chat hub` when a hub already runs (port or data directory taken). */
export const EXIT_HUB_RUNNING = 3;

/**
 * glibc's malloc arenas for the hub process (`MALLOC_ARENA_MAX`), unless the environment sets
 * it. Each thread that allocates (PGlite's database thread, V8's WebAssembly compiler threads,
 * libuv's pool) otherwise gets an arena of its own that keeps what it once held: ~125 MB of the
 * hub's ~300 MB RSS after three bursts of 20,000 were such arenas (issue 12, README "Embedded hub").
 */
export const HUB_MALLOC_ARENA_MAX = '2';

/**
 * glibc's malloc thresholds for the hub process (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`),
 * in bytes, unless the environment sets them: a block of 128 KiB or more is its own mapping,
 * given back to the system when freed, and free memory at the top of an arena is trimmed past
 * 128 KiB. glibc otherwise raises the mmap threshold as large blocks are freed (up to 32 MiB), so
 * the large short-lived blocks of compiling PGlite's WebAssembly and of a burst stay in the arenas:
 * RSS after three bursts of 20,000 was 288–296 MB (peak 301–307) without these and 277–287 MB
 * (peak 285–293) with them, at the same messages/s (3 interleaved rounds each, issue 12).
 */
export const HUB_MALLOC_THRESHOLD_BYTES = '131072';

/**
 * V8's young generation in the hub process: `--max-semi-space-size` in MB (V8's default on 64-bit:
 * 16), added to `NODE_OPTIONS` unless it names that flag already. With the old generation's
 * growth capped (foreground.ts HUB_HEAP_GROWING_PERCENT), the two keep the hub's RSS under 300 MB
 * without `--optimize-for-size` (issue 12, README "Embedded hub"). V8 sizes the heap as the
 * process starts, so it cannot be set from inside the hub.
 */
export const HUB_MAX_SEMI_SPACE_MB = 2;

/**
 * The environment of a hub process started in the background: `env` with `HERMES_HOME` set to
 * `home`; `MALLOC_ARENA_MAX` ({@link HUB_MALLOC_ARENA_MAX}), `MALLOC_MMAP_THRESHOLD_` and
 * `MALLOC_TRIM_THRESHOLD_` ({@link HUB_MALLOC_THRESHOLD_BYTES}) set unless `env` sets them; and
 * `--max-semi-space-size` ({@link HUB_MAX_SEMI_SPACE_MB}) appended to `NODE_OPTIONS` unless it is
 * there. glibc and V8 read them as the process starts, hence here and not in the hub itself.
 */
export function hubProcessEnv(env: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
	const nodeOptions = env.NODE_OPTIONS ?? '';
	return {
		MALLOC_ARENA_MAX: HUB_MALLOC_ARENA_MAX,
		MALLOC_MMAP_THRESHOLD_: HUB_MALLOC_THRESHOLD_BYTES,
		MALLOC_TRIM_THRESHOLD_: HUB_MALLOC_THRESHOLD_BYTES,
		...env,
		NODE_OPTIONS: /--max-semi-space-size\b/.test(nodeOptions) ? nodeOptions : `${nodeOptions} --max-semi-space-size=${HUB_MAX_SEMI_SPACE_MB}`.trim(),
		HERMES_HOME: home,
	};
}

/** Probes in a row a ready hub may leave unanswered before {@link ensureHub} gives up on it. */
const MAX_SILENT_PROBES = 3;

/** How often the hub file is polled while waiting, in ms. */
const POLL_MS = 100;

/** A hub found or started by {@link ensureHub}. */
export interface HubEndpoint {
	/** Without credentials: add a user name and {@link HubEndpoint.secret} (hub-secret.ts withHubCredentials). */
	mqttUrl: string;
	/** Without credentials, as {@link HubEndpoint.mqttUrl}. */
	databaseUrl: string;
	/** The password of both ports (`{home}/hub-secret`). Never print or log it. */
	secret: string;
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
 * The endpoint carries the hub secret read from `{home}/hub-secret`.
 * Two concurrent calls yield one hub: the hub that loses the port / data-directory race
 * exits with {@link EXIT_HUB_RUNNING} and its caller waits for the winner.
 * @throws Error with the tail of hub.log when the hub exits during start-up, or on timeout;
 *   HubSecretError when the running hub's secret file cannot be read (another OS user's hub).
 */
export async function ensureHub(options: EnsureHubOptions): Promise<HubEndpoint> {
	const {home} = options;
	const deadline = Date.now() + (options.timeoutMs ?? 90_000);
	let child: {pid: number; exit?: number | null; exitedAt?: number} | undefined;
	let lastPhase: string | undefined;
	let silentProbes = 0;
	for (;;) {
		const record = await readHubFile(home);
		if (record && isProcessAlive(record.pid)) {
			if (record.phase !== lastPhase) {
				lastPhase = record.phase;
				options.onProgress?.(record.phase as HubPhase);
			}
			if (await hubAnswers(record)) return endpointOf(record, record.pid === child?.pid, await readHubSecret(home));
			// A ready hub that stays silent is wedged (or draining): waiting would not help.
			if (record.state === 'ready' && ++silentProbes >= MAX_SILENT_PROBES) {
				throw new Error(`the hub (pid ${record.pid}) runs but does not answer on its ports; stop it with \`hermes-chat hub stop\``);
			}
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
	/**
	 * `running`: ready and answering; `starting`: still starting; `unresponsive`: a live hub
	 * holds the data directory but does not answer on its ports (wedged, or draining);
	 * `stopped`: no live hub.
	 */
	state: 'running' | 'starting' | 'unresponsive' | 'stopped';
	pid?: number;
	mqttUrl?: string;
	databaseUrl?: string;
	topicBase?: string;
	/** ISO 8601. */
	startedAt?: string;
	/** Where the database lives (`{home}/pgdata`) and hub.json. */
	dataDir: string;
	logFile: string;
	/** The file holding the hub secret (never the secret itself). */
	secretFile: string;
}

/**
 * Report whether the hub of `home` runs, and where. A hub that holds the data-directory lock
 * but does not answer is reported `unresponsive` with its pid, never `stopped`: `hub start`
 * would refuse, and `hub stop` can end it. Never throws for a missing or stale hub.json.
 */
export async function hubStatus(home: string): Promise<HubStatus> {
	const record = await readHubFile(home);
	const common = {dataDir: home, logFile: hubLogPath(home), secretFile: hubSecretPath(home)};
	const holder = await lockHolder(home);
	if (!record || !isProcessAlive(record.pid) || (record.state === 'ready' && holder !== record.pid)) {
		// No usable hub.json, but a live hub may still hold the data directory.
		return holder === undefined ? {state: 'stopped', ...common} : {state: 'unresponsive', pid: holder, ...common};
	}
	const answers = await hubAnswers(record);
	return {
		state: answers ? 'running' : record.state === 'ready' ? 'unresponsive' : 'starting',
		pid: record.pid,
		mqttUrl: record.mqtt_url,
		databaseUrl: record.database_url,
		topicBase: record.topic_base,
		startedAt: record.started_at,
		...common,
	};
}

/** How long `hub stop` waits for the drain before SIGKILL, in ms: the hub's own drain deadline (30 s) plus a margin. */
export const DEFAULT_STOP_TIMEOUT_MS = 40_000;

/** What {@link stopHub} did. */
export interface StoppedHub {
	pid: number;
	/** Whether SIGKILL was needed (the hub did not exit within the timeout after SIGTERM). */
	isKilled: boolean;
}

/**
 * Stop the hub of `home`: SIGTERM (it drains: stops taking publishes, writes and confirms
 * what it received, closes PGlite), wait for the process to exit; if it has not within
 * `timeoutMs`, SIGKILL it (a wedged hub: the data is safe, PGlite recovers from its WAL).
 * The hub is the process named by hub.json or, when that file is stale or gone, the live
 * holder of `hub.lock` — never a process that is neither. hub.json is removed at the end.
 * @returns what was stopped, or `undefined` when no hub was running.
 * @throws Error when even SIGKILL did not end it within 5 s.
 */
export async function stopHub(home: string, timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StoppedHub | undefined> {
	const record = await readHubFile(home);
	const holder = await lockHolder(home);
	// A pid is ours if it holds the lock, or if hub.json names it while it is starting or answering.
	const pid =
		record && isProcessAlive(record.pid) && (record.pid === holder || record.state === 'starting' || (await hubAnswers(record)))
			? record.pid
			: holder;
	if (pid === undefined) {
		if (record) await removeHubFile(home, record.pid);
		return undefined;
	}
	process.kill(pid, 'SIGTERM');
	let isKilled = false;
	if (!(await exited(pid, timeoutMs))) {
		isKilled = true;
		process.kill(pid, 'SIGKILL');
		if (!(await exited(pid, 5_000))) throw new Error(`hub (pid ${pid}) did not exit even after SIGKILL`);
	}
	await removeHubFile(home, pid);
	return {pid, isKilled};
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (isProcessAlive(pid)) {
		if (Date.now() > deadline) return false;
		await delay(50);
	}
	return true;
}

/**
 * The live process holding `{home}/hub.lock`, if it is a hub: on Linux its command line
 * must contain `hub` (a pid reused by another program after a crash is not a hub).
 */
async function lockHolder(home: string): Promise<number | undefined> {
	const pid = await readPid(join(home, 'hub.lock'));
	if (pid === undefined || !isProcessAlive(pid)) return undefined;
	const commandLine = await readProcFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
	return commandLine === undefined || commandLine.split('\0').includes('hub') ? pid : undefined;
}

function endpointOf(record: HubRecord, started: boolean, secret: string): HubEndpoint {
	return {
		mqttUrl: record.mqtt_url!,
		databaseUrl: record.database_url!,
		secret,
		topicBase: record.topic_base ?? 'chat/messages',
		pid: record.pid,
		started,
	};
}

async function spawnHub(options: EnsureHubOptions): Promise<{pid: number; exit?: number | null; exitedAt?: number}> {
	const entry = options.entry ?? fileURLToPath(new URL('../cli/main.js', import.meta.url));
	await mkdir(options.home, {recursive: true, mode: 0o700});
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
			env: hubProcessEnv(process.env, options.home),
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
