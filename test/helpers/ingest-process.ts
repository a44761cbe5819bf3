// Test helper: `hermes-chat ingest` as a real child process (the built dist/cli/main.js), its JSON
// log lines collected, so tests can signal it (SIGTERM, SIGSTOP, SIGKILL) as an operator would.
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import type {LogLine} from './targets.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

/** A running `hermes-chat ingest`. */
export interface IngestProcess {
	readonly child: ChildProcess;
	readonly pid: number;
	/** Every JSON line it logged so far (stderr). */
	readonly lines: LogLine[];
	/** Lines on stderr that are not JSON (the one-line errors of the CLI). */
	readonly otherOutput: string[];
	/** Resolves with the first line (past or future) `match` accepts; rejects after `timeoutMs` or on exit. */
	waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
	/** Resolves when the process has exited. */
	readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	/** SIGKILL it if still running (clean-up). */
	kill(): void;
}

/**
 * Spawn `node dist/cli/main.js ingest …args` with `env` added to this process's environment.
 * @throws Error when dist/ is not built (`npm run build`; `npm test` builds first).
 */
export function spawnIngest(args: string[], env: Record<string, string>): IngestProcess {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
	const child = spawn(process.execPath, [CLI, 'ingest', ...args], {
		env: {...process.env, LOG_LEVEL: 'info', ...env},
		stdio: ['ignore', 'ignore', 'pipe'],
	});
	const lines: LogLine[] = [];
	const otherOutput: string[] = [];
	const waiters = new Set<() => void>();
	let buffered = '';
	let hasExited = false;
	child.stderr!.on('data', (chunk: Buffer) => {
		buffered += chunk.toString();
		const complete = buffered.split('\n');
		buffered = complete.pop() ?? '';
		for (const text of complete) {
			if (!text) continue;
			try {
				lines.push(JSON.parse(text) as LogLine);
			} catch {
				otherOutput.push(text);
			}
		}
		for (const wake of waiters) wake();
	});
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
		child.once('exit', (code, signal) => {
			hasExited = true;
			for (const wake of waiters) wake();
			resolve({code, signal});
		}),
	);
	return {
		child,
		pid: child.pid!,
		lines,
		otherOutput,
		exited,
		waitForLog(match, timeoutMs = 30_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = lines.find(match);
					if (found) return done(() => resolve(found));
					if (hasExited) return done(() => reject(new Error(`ingester exited first; last lines: ${tail(lines, otherOutput)}`)));
				};
				const timer = setTimeout(() => done(() => reject(new Error(`no such log line in ${timeoutMs} ms; last lines: ${tail(lines, otherOutput)}`))), timeoutMs);
				const done = (settle: () => void) => {
					clearTimeout(timer);
					waiters.delete(check);
					settle();
				};
				waiters.add(check);
				check();
			});
		},
		kill() {
			if (!hasExited) child.kill('SIGKILL');
		},
	};
}

function tail(lines: LogLine[], other: string[]): string {
	return [...lines.slice(-4).map((line) => line.msg), ...other.slice(-2)].join(' | ');
}
