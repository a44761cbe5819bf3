// Defaults of the store that `hermes-chat ingest --help` shows, apart from db.ts and stats.ts so
// that printing help loads no pg (issue 12: start-up time). May import nothing.

/**
 * Per-session limits that keep one stalled or partitioned client from holding locks for long
 * (PostgreSQL `statement_timeout`, `lock_timeout`, `idle_in_transaction_session_timeout`, and
 * TCP keepalive on both ends). All in ms; 0 turns one off.
 */
export interface SessionTimeouts {
	/** Longest statement (SQLSTATE 57014 when exceeded). */
	statementMs: number;
	/** Longest wait for a lock, e.g. a unique-index entry another transaction holds (55P03). */
	lockMs: number;
	/** A session idle inside a transaction this long is terminated by the server (25P03), releasing its locks. */
	idleInTransactionMs: number;
	/**
	 * Idle time before TCP keepalive probes start, on the client socket and the server's
	 * (`tcp_keepalives_idle`; 3 probes 5 s apart, and `tcp_user_timeout` for unacknowledged data),
	 * so a dead peer is noticed in seconds instead of the kernel's ~2 h.
	 */
	keepAliveMs: number;
}

/** What `hermes-chat ingest` uses: a frozen ingester delays the others by seconds. */
export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
	statementMs: 15_000,
	lockMs: 5_000,
	idleInTransactionMs: 10_000,
	keepAliveMs: 10_000,
};

/** How often the ingester refreshes the statistics views by default, in ms (10 minutes). */
export const STATS_REFRESH_INTERVAL_MS = 10 * 60_000;
