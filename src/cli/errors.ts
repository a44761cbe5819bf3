// The CLI's error taxonomy (after Shopify cli-kit): expected, user-actionable AbortError
// versus everything else (a bug). May import nothing.

/**
 * An expected failure the user can act on: printed as one line
 * (`hermes-chat: <message> — <hint>`) with exit code 1, never with a stack trace.
 */
export class AbortError extends Error {
	/** What to try next, e.g. "start Mosquitto or pass --mqtt-url". */
	readonly hint?: string;

	constructor(message: string, hint?: string) {
		super(message);
		this.name = 'AbortError';
		this.hint = hint;
	}
}

/** The one line printed for an error: AbortError as message + hint, others as their message. */
export function errorLine(error: unknown): string {
	if (error instanceof AbortError) {
		return `hermes-chat: ${error.message}${error.hint ? ` — ${error.hint}` : ''}`;
	}
	const message = error instanceof Error ? error.message : String(error);
	return `hermes-chat: ${message.split('\n')[0]}`;
}

/**
 * The hint for an operator command (stats, export) run without a database on a machine that
 * uses the embedded hub: its PostgreSQL as the hub's owner (README "Statistics and export").
 */
export const HUB_DATABASE_HINT = 'the embedded hub: DATABASE_URL="postgres://server:$(hermes-chat hub secret --pipe)@127.0.0.1:<pg port of hermes-chat hub status>/postgres"';
