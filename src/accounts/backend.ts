// The account contract (issue 9): one interface, implemented where an account must exist —
// PostgreSQL (accounts row + login role, store/accounts.ts), Mosquitto's dynamic-security plugin
// (live/dynsec.ts). `hermes-chat account …` (cli/commands/account.ts) applies each command to
// every configured backend. Pure: types only.

/** Why an account command was refused (one line each, for the CLI). */
export type AccountErrorCode = 'exists' | 'unknown' | 'invalid' | 'reserved' | 'unavailable';

/** A refusal of an account command, with a one-line message fit for the terminal. */
export class AccountError extends Error {
	constructor(
		readonly code: AccountErrorCode,
		message: string,
	) {
		super(message);
		this.name = 'AccountError';
	}
}

/** One account as `hermes-chat account list` shows it. */
export interface AccountInfo {
	userId: string;
	/** ms. */
	createdAt: number;
	/** ms; absent while enabled. */
	disabledAt?: number;
}

/**
 * Where an account must exist for its user to connect. Each method is idempotent where it can be
 * (a create that finds the same account refuses with `exists`) and throws {@link AccountError}
 * for refusals, other errors for infrastructure failures. Passwords arrive in clear and must never
 * be logged or stored in clear.
 */
export interface AccountBackend {
	/** For messages: `postgres`, `mosquitto`. */
	readonly name: string;
	/**
	 * Why `userId` can never be an account here — an AccountError `reserved` (the broker's admin or
	 * ingester, a PostgreSQL role that is no account) or `invalid` — or undefined when it may be one.
	 * Changes nothing, so every backend is asked before any creates (no account half made for an id
	 * one backend will always refuse). An existing account is no problem here (`create` says `exists`).
	 * @throws other errors for infrastructure failures.
	 */
	idProblem(userId: string): Promise<AccountError | undefined>;
	/** Create `userId` with `password`. @throws AccountError `exists`, `reserved`, `invalid`. */
	create(userId: string, password: string): Promise<void>;
	/** Replace the password. @throws AccountError `unknown`. */
	setPassword(userId: string, password: string): Promise<void>;
	/** Disable (refuse new logins and end live sessions at once) or enable again. @throws AccountError `unknown`. */
	setDisabled(userId: string, isDisabled: boolean): Promise<void>;
	/** Release connections. Never throws. */
	close(): Promise<void>;
}
