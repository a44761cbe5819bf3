// Test helper: the real-terminal harness for end-to-end tests. Spawns a command in a pseudo-terminal
// (@lydell/node-pty, prebuilt) and feeds its output into a real terminal emulator (@xterm/headless).
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';

/** Keys {@link TerminalSession.press} knows, sent as a real terminal would send them. */
export type Key =
	| 'enter' | 'tab' | 'shift-tab' | 'escape' | 'backspace' | 'delete' | 'space'
	| 'up' | 'down' | 'left' | 'right' | 'home' | 'end' | 'pageup' | 'pagedown'
	| `ctrl-${'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'k' | 'l' | 'n' | 'p' | 'r' | 'u' | 'w' | 'z'}`;

/** How to start the program under test. */
export interface TerminalOptions {
	/** Executable, e.g. `process.execPath`. */
	command: string;
	args?: string[];
	/**
	 * Merged over `process.env`; a value of `undefined` removes the variable. `TERM` defaults to
	 * xterm-256color, and `CI`/`CONTINUOUS_INTEGRATION` are removed unless given here.
	 */
	env?: Record<string, string | undefined>;
	cwd?: string;
	/** Columns, default 120. */
	cols?: number;
	/** Rows, default 36. */
	rows?: number;
}

/** Colour and weight of one cell, see {@link TerminalSession.styleOf}. */
export interface CellStyle {
	fg: number | 'default';
	isBold: boolean;
}

/** How the program ended: `signal` is set (non-zero) when it was killed by one. */
export interface TerminalExit {
	exitCode: number;
	signal?: number;
}

/** A running program in a pty, seen through a terminal emulator. */
export interface TerminalSession {
	/** Process id of the program (e.g. to read its RSS from /proc). */
	readonly pid: number;
	/** The visible screen: every row of the viewport, right-trimmed, joined by `\n`. */
	screen(): string;
	/**
	 * Resolves with the screen on the first frame where it contains `match` (string) or matches it
	 * (RegExp). Rejects after `timeoutMs` (default 10000) or when the program exits without a match,
	 * with an error carrying the last screen.
	 */
	waitFor(match: string | RegExp, timeoutMs?: number): Promise<string>;
	/** Sends raw input, as if typed/pasted. */
	write(data: string): void;
	/** Sends one key (arrows honour the application cursor keys mode the program set). */
	press(key: Key): void;
	/** Resizes pty and emulator (the program gets SIGWINCH). */
	resize(cols: number, rows: number): void;
	/**
	 * The style of the cell where `text` starts, on the first visible row that contains both
	 * `rowText` (default: `text`) and `text`; `undefined` when no row does. `fg` is the
	 * palette index (0–255) or `'default'`; colours are what the program asked for (SGR).
	 */
	styleOf(text: string, rowText?: string): CellStyle | undefined;
	/** Whether the alternate screen buffer is active (e.g. after `ESC [ ? 1049 h`). */
	isAlternateScreen(): boolean;
	/** Every byte the program wrote so far, unparsed. */
	output(): string;
	/** The window title the program set with OSC 0/2 ('' if never set). */
	title(): string;
	/** Resolves once the program has exited. */
	exited: Promise<TerminalExit>;
	/** Sends `signal` (default SIGTERM) to the program; safe after exit. */
	kill(signal?: string): void;
	/** Kills the program if still running and waits for it to exit (use in afterEach). */
	close(): Promise<TerminalExit>;
}

/** Thrown by {@link TerminalSession.waitFor}; `screen` is the last screen seen. */
export class TerminalWaitError extends Error {
	constructor(message: string, readonly screen: string) {
		super(`${message}\n--- last screen ---\n${screen}\n-------------------`);
		this.name = 'TerminalWaitError';
	}
}

type CursorKey = 'up' | 'down' | 'left' | 'right' | 'home' | 'end';
/** Final byte of each cursor key: `ESC [ x` normally, `ESC O x` in application cursor keys mode. */
const CURSOR_KEYS: Record<CursorKey, string> = {up: 'A', down: 'B', right: 'C', left: 'D', home: 'H', end: 'F'};
const KEYS: Record<Exclude<Key, CursorKey | `ctrl-${string}`>, string> = {
	enter: '\r', tab: '\t', 'shift-tab': '\x1b[Z', escape: '\x1b', backspace: '\x7f', delete: '\x1b[3~', space: ' ',
	pageup: '\x1b[5~', pagedown: '\x1b[6~',
};

interface Waiter {
	matches(screen: string): boolean;
	resolve(screen: string): void;
	reject(error: Error): void;
}

const isMatch = (screen: string, match: string | RegExp): boolean =>
	typeof match === 'string' ? screen.includes(match) : match.test(screen);

/**
 * Starts `command` in a pty of `cols`×`rows` (default 120×36) wired to a headless xterm. Replies the
 * emulator generates (cursor position reports, device attributes) are written back to the
 * program, as a real terminal does.
 * A command that cannot be executed (not found) does not throw: it exits with code 1 and the
 * screen shows `execvp(3) failed`. Always `close()` the session (afterEach) so no child outlives
 * the test.
 */
export function startTerminal(options: TerminalOptions): TerminalSession {
	const {command, args = [], cwd = process.cwd(), cols = 120, rows = 36} = options;
	const env: Record<string, string> = {};
	// A person's terminal, not a CI log: with CI set, Ink (is-in-ci) draws only the last frame
	// at exit, and every screen read here would be empty. CI runs set CI=true.
	const person = {TERM: 'xterm-256color', CI: undefined, CONTINUOUS_INTEGRATION: undefined};
	for (const [key, value] of Object.entries({...process.env, ...person, ...options.env})) {
		if (value !== undefined) env[key] = value;
	}
	const term = new xterm.Terminal({cols, rows, allowProposedApi: true, scrollback: 1000});
	const child = pty.spawn(command, args, {name: env.TERM ?? 'xterm-256color', cols, rows, cwd, env});
	let raw = '';
	let title = '';
	let hasExited = false;
	let waiters: Waiter[] = [];

	const screen = (): string => {
		const buffer = term.buffer.active;
		const lines: string[] = [];
		for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
		return lines.join('\n');
	};
	const settle = (): void => {
		const current = screen();
		waiters = waiters.filter((waiter) => {
			if (!waiter.matches(current)) return true;
			waiter.resolve(current);
			return false;
		});
	};

	term.onTitleChange((next) => {
		title = next;
	});
	term.onData((reply) => {
		if (!hasExited) child.write(reply);
	});
	child.onData((data) => {
		raw += data;
		term.write(data, settle);
	});
	const exited = new Promise<TerminalExit>((resolve) => {
		child.onExit(({exitCode, signal}) => {
			hasExited = true;
			// Let the emulator parse what is still queued, then fail the waiters that never matched.
			term.write('', () => {
				settle();
				for (const waiter of waiters) waiter.reject(new TerminalWaitError(`program exited (code ${exitCode}, signal ${signal ?? 0}) before the screen matched`, screen()));
				waiters = [];
				resolve(signal ? {exitCode, signal} : {exitCode});
			});
		});
	});

	const session: TerminalSession = {
		pid: child.pid,
		screen,
		waitFor(match, timeoutMs = 10_000) {
			return new Promise<string>((resolve, reject) => {
				const current = screen();
				if (isMatch(current, match)) return resolve(current);
				if (hasExited) return reject(new TerminalWaitError(`program had exited; ${String(match)} not on screen`, current));
				const timer = setTimeout(() => {
					waiters = waiters.filter((w) => w !== waiter);
					reject(new TerminalWaitError(`timed out after ${timeoutMs} ms waiting for ${String(match)}`, screen()));
				}, timeoutMs);
				const waiter: Waiter = {
					matches: (s) => isMatch(s, match),
					resolve: (s) => (clearTimeout(timer), resolve(s)),
					reject: (e) => (clearTimeout(timer), reject(e)),
				};
				waiters.push(waiter);
			});
		},
		write(data) {
			if (!hasExited) child.write(data);
		},
		press(key) {
			if (key.startsWith('ctrl-')) return session.write(String.fromCharCode(key.charCodeAt(5) - 96));
			if (key in CURSOR_KEYS) {
				// DECCKM: in application cursor keys mode arrows are ESC O A instead of ESC [ A.
				const prefix = term.modes.applicationCursorKeysMode ? '\x1bO' : '\x1b[';
				return session.write(prefix + CURSOR_KEYS[key as CursorKey]);
			}
			session.write(KEYS[key as keyof typeof KEYS]);
		},
		resize(newCols, newRows) {
			term.resize(newCols, newRows);
			if (!hasExited) child.resize(newCols, newRows);
		},
		styleOf(text, rowText = text) {
			const buffer = term.buffer.active;
			for (let y = 0; y < term.rows; y++) {
				const line = buffer.getLine(buffer.viewportY + y);
				if (!line) continue;
				// Map string offsets to cell columns: a wide character fills two cells.
				let chars = '';
				const columnAt: number[] = [];
				for (let x = 0; x < term.cols; x++) {
					const cell = line.getCell(x);
					const value = cell?.getChars() ?? '';
					for (let i = 0; i < value.length; i++) columnAt.push(x);
					chars += value || (cell?.getWidth() === 0 ? '' : ' ');
					if (!value && cell?.getWidth() !== 0) columnAt.push(x);
				}
				if (!chars.includes(rowText)) continue;
				const index = chars.indexOf(text);
				if (index < 0) continue;
				const cell = line.getCell(columnAt[index] ?? 0);
				if (!cell) return undefined;
				return {fg: cell.isFgDefault() ? 'default' : cell.getFgColor(), isBold: cell.isBold() !== 0};
			}
			return undefined;
		},
		isAlternateScreen: () => term.buffer.active.type === 'alternate',
		output: () => raw,
		title: () => title,
		exited,
		kill(signal = 'SIGTERM') {
			if (!hasExited) child.kill(signal);
		},
		async close() {
			session.kill();
			const timer = setTimeout(() => session.kill('SIGKILL'), 2000);
			const result = await exited;
			clearTimeout(timer);
			term.dispose();
			return result;
		},
	};
	return session;
}

/**
 * Write one key and wait until the program drew something after it (up to 5 s). A focus or
 * selection change shows only in colours, so the bytes written back are watched, not the screen
 * text; keys written back to back could reach the program as one read ("sr"), which is text,
 * not two keys.
 */
export async function pressAndAwaitFrame(session: TerminalSession, key: string): Promise<void> {
	const before = session.output().length;
	session.write(key);
	for (let i = 0; i < 500 && session.output().length === before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
