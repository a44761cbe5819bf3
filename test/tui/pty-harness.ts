// Spawns a TUI fixture under a real pty and reads the screen through a headless xterm.
import {spawn, type IPty} from '@lydell/node-pty';
import xterm from '@xterm/headless';
import {fileURLToPath} from 'node:url';

const {Terminal} = xterm;

/** A running fixture: its pty, its screen, and the raw bytes it wrote. */
export interface PtySession {
	pty: IPty;
	/** Every byte written to the terminal so far. */
	output: () => string;
	/** The visible screen, one string per row (trailing spaces trimmed). */
	screen: () => string[];
	/** Resolve when the screen satisfies `predicate` (checked after each write is parsed). */
	waitForScreen: (predicate: (rows: string[]) => boolean, what: string) => Promise<string[]>;
	/** Resolve with the exit code. */
	exited: Promise<{exitCode: number; signal?: number}>;
	resize: (columns: number, rows: number) => void;
}

/** Run `fixture` (a path relative to this folder) with tsx in a `columns` × `rows` pty. */
export function runInPty(fixture: string, options: {columns?: number; rows?: number; env?: Record<string, string>} = {}): PtySession {
	const columns = options.columns ?? 100;
	const rows = options.rows ?? 30;
	const term = new Terminal({cols: columns, rows, allowProposedApi: true});
	const path = fileURLToPath(new URL(fixture, import.meta.url));
	const pty = spawn(process.execPath, ['--import', 'tsx', path], {
		name: 'xterm-256color',
		cols: columns,
		rows,
		cwd: fileURLToPath(new URL('../..', import.meta.url)),
		env: {...process.env, FORCE_COLOR: '1', ...options.env} as Record<string, string>,
	});
	let output = '';
	const waiters = new Set<() => void>();
	pty.onData((data) => {
		output += data;
		term.write(data, () => {
			for (const wake of [...waiters]) wake();
		});
	});
	const screen = (): string[] => {
		const buffer = term.buffer.active;
		const lines: string[] = [];
		for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
		return lines;
	};
	const exited = new Promise<{exitCode: number; signal?: number}>((resolve) => pty.onExit((e) => resolve(e)));
	return {
		pty,
		exited,
		output: () => output,
		screen,
		waitForScreen: (predicate, what) =>
			new Promise((resolve, reject) => {
				const check = (): boolean => {
					if (!predicate(screen())) return false;
					waiters.delete(check);
					clearTimeout(timer);
					resolve(screen());
					return true;
				};
				// Safety net only; the wait itself is driven by terminal writes.
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`));
				}, 15_000);
				if (!check()) waiters.add(check);
			}),
		resize: (c, r) => {
			pty.resize(c, r);
			term.resize(c, r);
		},
	};
}
