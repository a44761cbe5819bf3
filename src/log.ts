// Structured logging for every hermes-chat process (pino, one JSON object per line).
// May import pino only. The TUI logs to a file so nothing scribbles over the screen.
import pino from 'pino';

/** The logger type used across hermes-chat (pino's). */
export type Logger = pino.Logger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
	/** Component name, written as `name` on every line (e.g. `ingest`, `hub`, `tui`). */
	name: string;
	/** pino level (default from env `LOG_LEVEL`, else `info`). */
	level?: string;
	/** A file path to append to (created with its folder), or `stderr` (default). */
	destination?: string;
}

/**
 * Create a logger. Writes synchronously to stderr, or to `destination` when it is a path.
 * @throws Error when a destination file cannot be opened.
 */
export function createLogger(options: LoggerOptions): Logger {
	const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
	const destination =
		!options.destination || options.destination === 'stderr'
			? pino.destination({fd: 2, sync: true})
			: pino.destination({dest: options.destination, mkdir: true, sync: true});
	return pino({name: options.name, level}, destination);
}

/** A logger that drops everything (tests, quiet tools). */
export function silentLogger(): Logger {
	return pino({level: 'silent'});
}
