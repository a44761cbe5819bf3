// Accounts in PostgreSQL (issue 9): an `accounts` row (scrypt hash) plus a LOGIN role of the same
// name in the group role hermes_member, which row-level security confines to the role's own
// conversations (migration 005). May import pg (via db.ts), accounts/ and protocol/.
import {AccountError, type AccountBackend, type AccountInfo} from '../accounts/backend.js';
import {hashPassword, passwordProblem, scramVerifier, verifyPassword} from '../accounts/password.js';
import {RESERVED_IDS, USER_ID_PATTERN} from '../protocol/index.js';
import {openDb, type Db} from './db.js';

/** The NOLOGIN group role every account's login role belongs to (migration 005). */
export const MEMBER_ROLE = 'hermes_member';
/** PostgreSQL truncates role names to NAMEDATALEN - 1 = 63 bytes; a longer id would name another role. */
export const MAX_ACCOUNT_ID_LENGTH = 63;

const ROLE_OF = `SELECT r.rolname, a.user_id IS NOT NULL AS is_account
FROM pg_roles r LEFT JOIN accounts a ON a.user_id = r.rolname WHERE r.rolname = $1`;
// PGlite reports itself here: `PostgreSQL 18.6 (PGlite 0.5.14) on wasm32-unknown-emscripten, …`.
const VERSION = 'SELECT version() AS version';
const ACCOUNT_OF = 'SELECT user_id, password_hash, disabled_at FROM accounts WHERE user_id = $1';
const INSERT_ACCOUNT = 'INSERT INTO accounts (user_id, password_hash) VALUES ($1, $2)';
// An account is a known user from the start (the directory the switcher and `/send` check), with
// its id as display name until its first client says otherwise; an existing entry is kept.
const INSERT_DIRECTORY_ENTRY = 'INSERT INTO chat_users (user_id, display_name) VALUES ($1, $1) ON CONFLICT (user_id) DO NOTHING';
const UPDATE_HASH = 'UPDATE accounts SET password_hash = $2 WHERE user_id = $1';
// The first disable time stays when it is disabled again.
const SET_DISABLED = `UPDATE accounts SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
WHERE user_id = $1`;
const LIST = 'SELECT user_id, created_at, disabled_at FROM accounts ORDER BY user_id';
// Every session logged in as the role (pg_stat_activity.usename is the login role).
const TERMINATE_SESSIONS = `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS ended
FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`;

/** The PostgreSQL backend plus what only it can do: list accounts and check a password. */
export interface PostgresAccountBackend extends AccountBackend {
	/** Every account of this database, by id. @throws AccountError `unavailable` (no schema). */
	list(): Promise<AccountInfo[]>;
	/**
	 * Whether `password` is `userId`'s (scrypt hash, constant-time compare); false for an unknown
	 * or disabled account. For front doors other than PostgreSQL's own login (hub, sign-up).
	 */
	verify(userId: string, password: string): Promise<boolean>;
	/**
	 * Whether this database is PGlite — the embedded hub's, where every identity logs in with the
	 * hub secret, so an account's password or disabled state does not decide who gets in.
	 */
	isPglite(): Promise<boolean>;
}

/** Options for {@link createPostgresAccountBackend}. */
export interface PostgresAccountOptions {
	/** The owner's URL (the role that ran the migrations; it needs CREATEROLE, and pg_signal_backend or superuser to end sessions). */
	databaseUrl: string;
}

/**
 * Accounts in the database at `databaseUrl`. Connects lazily (one connection).
 * create: id checked (chat id rules, ≤ 63 characters), password ≥ 8 characters; `accounts` row,
 * a `chat_users` entry (so others can find and write to the person before their first login) +
 * `CREATE ROLE "<id>" LOGIN IN ROLE hermes_member PASSWORD '<SCRAM-SHA-256 verifier>'` in one
 * transaction, the verifier computed here so the clear password never reaches a statement or a
 * server log. An existing role that is not an account of this database (`postgres`, the owner,
 * hermes_member, another database's account) is refused as `reserved`.
 * setDisabled(true): NOLOGIN and `disabled_at`, committed, then every session of the role ended.
 * Infrastructure failures are thrown as the driver's errors; a missing schema as `unavailable`.
 */
export function createPostgresAccountBackend(options: PostgresAccountOptions): PostgresAccountBackend {
	const db = openDb({databaseUrl: options.databaseUrl, max: 1, applicationName: 'hermes-chat account'});
	return {
		name: 'postgres',
		idProblem: (userId) => schemaRequired(() => idProblem(db, userId)),
		create: (userId, password) => schemaRequired(() => create(db, userId, password)),
		setPassword: (userId, password) => schemaRequired(() => setPassword(db, userId, password)),
		setDisabled: (userId, isDisabled) => schemaRequired(() => setDisabled(db, userId, isDisabled)),
		list: () => schemaRequired(() => list(db)),
		verify: (userId, password) => schemaRequired(() => verify(db, userId, password)),
		isPglite: async () => /\bPGlite\b/.test((await db.query<{version: string}>(VERSION)).rows[0]?.version ?? ''),
		close: () => db.close().catch(() => undefined),
	};
}

/** Why `userId` cannot be an account id, as an AccountError, or undefined. */
export function accountIdProblem(userId: string): AccountError | undefined {
	if (RESERVED_IDS.has(userId.toLowerCase())) return new AccountError('reserved', `${userId} is a reserved id`);
	if (!USER_ID_PATTERN.test(userId) || userId.length > MAX_ACCOUNT_ID_LENGTH) {
		return new AccountError('invalid', `${printable(userId)} is not a valid account id: 1–${MAX_ACCOUNT_ID_LENGTH} characters of A-Z a-z 0-9 _ . -`);
	}
	return undefined;
}

async function idProblem(db: Db, userId: string): Promise<AccountError | undefined> {
	const problem = accountIdProblem(userId);
	if (problem) return problem;
	const role = (await db.query<{is_account: boolean}>(ROLE_OF, [userId])).rows[0];
	return role && !role.is_account ? roleTaken(userId, false) : undefined;
}

async function create(db: Db, userId: string, password: string): Promise<void> {
	checkInput(userId, password);
	const hash = await hashPassword(password);
	try {
		await db.withTransaction(async (client) => {
			const role = await client.query<{is_account: boolean}>(ROLE_OF, [userId]);
			if (role.rows[0]) throw roleTaken(userId, role.rows[0].is_account);
			await client.query(INSERT_ACCOUNT, [userId, hash]);
			await client.query(INSERT_DIRECTORY_ENTRY, [userId]);
			await client.query(`CREATE ROLE ${identifier(userId)} LOGIN IN ROLE ${MEMBER_ROLE} PASSWORD ${literal(scramVerifier(password))}`);
			// The chat's reads are short; with the policies' subplans the conversation list's
			// estimated cost passed jit_above_cost and JIT compiling took 1–14 s of a 55 ms query.
			await client.query(`ALTER ROLE ${identifier(userId)} SET jit = off`);
			// Nor parallel workers, which a member's page started per receipt probe for nothing (db.ts CLIENT_SESSION).
			await client.query(`ALTER ROLE ${identifier(userId)} SET max_parallel_workers_per_gather = 0`);
		});
	} catch (error) {
		const code = (error as {code?: string}).code;
		// A concurrent create of the same id: the role (42710) or the row (23505) is there now.
		if (code === '42710' || code === '23505') throw new AccountError('exists', `account ${userId} exists already`);
		// public, none, current_user, pg_…: names PostgreSQL keeps for itself.
		if (code === '42939') throw new AccountError('reserved', `${userId} is a name PostgreSQL reserves`);
		throw error;
	}
}

async function setPassword(db: Db, userId: string, password: string): Promise<void> {
	checkInput(userId, password);
	const hash = await hashPassword(password);
	await db.withTransaction(async (client) => {
		if ((await client.query(UPDATE_HASH, [userId, hash])).rowCount !== 1) throw unknown(userId);
		await client.query(`ALTER ROLE ${identifier(userId)} PASSWORD ${literal(scramVerifier(password))}`);
	});
}

async function setDisabled(db: Db, userId: string, isDisabled: boolean): Promise<void> {
	await db.withTransaction(async (client) => {
		if ((await client.query(SET_DISABLED, [userId, isDisabled])).rowCount !== 1) throw unknown(userId);
		await client.query(`ALTER ROLE ${identifier(userId)} ${isDisabled ? 'NOLOGIN' : 'LOGIN'}`);
	});
	// After COMMIT, so a session ended here cannot log in again in between.
	if (isDisabled) await db.query(TERMINATE_SESSIONS, [userId]);
}

async function list(db: Db): Promise<AccountInfo[]> {
	const {rows} = await db.query<{user_id: string; created_at: Date; disabled_at: Date | null}>(LIST);
	return rows.map((row) => ({
		userId: row.user_id,
		createdAt: row.created_at.getTime(),
		...(row.disabled_at ? {disabledAt: row.disabled_at.getTime()} : {}),
	}));
}

async function verify(db: Db, userId: string, password: string): Promise<boolean> {
	const {rows} = await db.query<{password_hash: string; disabled_at: Date | null}>(ACCOUNT_OF, [userId]);
	const row = rows[0];
	if (!row || row.disabled_at) return false;
	return verifyPassword(password, row.password_hash);
}

function checkInput(userId: string, password: string): void {
	const idProblem = accountIdProblem(userId);
	if (idProblem) throw idProblem;
	const problem = passwordProblem(password);
	if (problem) throw new AccountError('invalid', problem);
}

function roleTaken(userId: string, isAccount: boolean): AccountError {
	return isAccount
		? new AccountError('exists', `account ${userId} exists already`)
		: new AccountError('reserved', `${userId} is a PostgreSQL role that is not an account of this database`);
}

function unknown(userId: string): AccountError {
	return new AccountError('unknown', `no account ${printable(userId)}`);
}

async function schemaRequired<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if ((error as {code?: string}).code === '42P01') {
			throw new AccountError('unavailable', 'the database has no accounts table — run: hermes-chat migrate');
		}
		throw error;
	}
}

// Role names and the verifier cannot be bound as parameters in CREATE/ALTER ROLE. Ids are
// [A-Za-z0-9_.-] (checked above) and the verifier is base64 plus `$:`; quoting anyway.
function identifier(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
	return `'${value.replaceAll("'", "''")}'`;
}

function printable(value: string): string {
	return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
