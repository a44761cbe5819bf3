// Process plumbing for `npm run bench`: CPU time from /proc, child processes that are always
// stopped (normal end, error or Ctrl+C), and the clock shared by every process on the machine.
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on Linux x86/arm). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Wall-clock ms with sub-ms resolution, comparable between processes on one machine. */
export function wallMs(): number {
	return performance.timeOrigin + performance.now();
}

/** [utime+stime, cutime+cstime] of `pid` in µs (10 ms resolution), or undefined when it has gone. */
function statTimes(pid: number): {ownUs: number; childrenUs: number; ppid: number} | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	// The command name (field 2) may hold spaces and ')': split after its last ')'.
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	const tick = (i: number) => Number(fields[i]) * (1_000_000 / CLOCK_TICKS_PER_SECOND);
	// fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17 (proc(5)).
	return {ppid: Number(fields[1]), ownUs: tick(11) + tick(12), childrenUs: tick(13) + tick(14)};
}

/** CPU time (user + system, µs) used so far by the live process `pid`; 0 when it has gone. */
export function processCpuUs(pid: number): number {
	return statTimes(pid)?.ownUs ?? 0;
}

/**
 * CPU time (µs) of a whole PostgreSQL cluster: the postmaster, its live children (backends,
 * checkpointer, WAL writer, …) and the children that have already exited (the postmaster's
 * cutime/cstime: a backend's CPU is counted there once its connection closes and it is reaped).
 */
export function clusterCpuUs(postmasterPid: number): number {
	const root = statTimes(postmasterPid);
	if (!root) return 0;
	let total = root.ownUs + root.childrenUs;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const times = statTimes(Number(entry));
		if (times?.ppid === postmasterPid) total += times.ownUs;
	}
	return total;
}

const cleanups = new Set<() => Promise<void> | void>();

/** Register `fn` to run when the run ends, however it ends; returns its unregister function. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
	cleanups.add(fn);
	return () => cleanups.delete(fn);
}

let cleaning: Promise<void> | undefined;

/**
 * Run every registered clean-up (newest first), each at most once; never throws. A second call
 * while a pass is running waits for that pass: a signal's clean-up stopping PostgreSQL makes a
 * client's socket fail, and the crash handler's call must not exit before the broker is stopped
 * too (a Ctrl+C during the history section left Mosquitto running).
 */
export function runCleanups(): Promise<void> {
	cleaning ??= (async () => {
		const pending = [...cleanups].reverse();
		cleanups.clear();
		for (const fn of pending) {
			try {
				await fn();
			} catch (error) {
				process.stderr.write(`bench: clean-up failed: ${(error as Error).message}\n`);
			}
		}
	})().finally(() => {
		cleaning = undefined;
	});
	return cleaning;
}

let stopping = false;

/** Whether a signal has asked the run to stop (start nothing new). */
export function isStopping(): boolean {
	return stopping;
}

/** On SIGINT/SIGTERM: stop everything started, then exit 130/143. */
export function cleanUpOnSignals(): void {
	for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
		process.once(signal, () => {
			stopping = true;
			process.stderr.write(`bench: ${signal}: stopping everything it started…\n`);
			void runCleanups().finally(() => process.exit(code));
		});
	}
}

/** A spawned child that is killed at clean-up unless it has exited. */
export interface TrackedChild {
	child: ChildProcess;
	pid: number;
	/** Resolves with the exit code (or signal name) once it has exited. */
	exited: Promise<number | string>;
	/** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
	stop(graceMs?: number): Promise<void>;
}

/** Spawn `command` and register it for clean-up. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): TrackedChild {
	const child = spawn(command, args, options);
	const exited = new Promise<number | string>((resolve) => {
		child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
		child.once('error', (error) => resolve(error.message));
	});
	const stop = async (graceMs = 10_000) => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
		await exited;
		clearTimeout(timer);
	};
	const unregister = onCleanup(() => stop(2_000));
	void exited.then(unregister);
	return {child, pid: child.pid ?? -1, exited, stop};
}

/** A TypeScript bench script started as its own Node process (tsx loader), with an IPC channel. */
export function spawnScript(script: URL, config: unknown): TrackedChild {
	return spawnTracked(process.execPath, ['--import', 'tsx', script.pathname, JSON.stringify(config)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
}

/** The next IPC message from `child` satisfying `accept`; rejects when it exits first. */
export function nextMessage<T>(tracked: TrackedChild, accept: (message: T) => boolean, what: string): Promise<T> {
	return new Promise((resolve, reject) => {
		const onMessage = (message: T) => {
			if (!accept(message)) return;
			tracked.child.off('message', onMessage);
			resolve(message);
		};
		tracked.child.on('message', onMessage);
		void tracked.exited.then((code) => {
			tracked.child.off('message', onMessage);
			reject(new Error(`${what}: process exited (${code}) first`));
		});
	});
}

/** Median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
