// PGlite has one session for every connection: the front (pg-front.ts) makes it run as the role
// of the connection that holds it. May import @electric-sql/pglite (types), log and node:.
import type {PGlite} from '@electric-sql/pglite';
import type {Logger} from '../log.js';

/** The group role of chat users, whose row-level-security policies come from migration 005. */
export const MEMBER_ROLE = 'hermes_member';

/** Is `hermes_member` there; is `$1` a role, a superuser, a member of it. */
const ROLE_QUERY = `
	SELECT r.rolname IS NOT NULL AS has_role, coalesce(r.rolsuper, false) AS is_super,
		coalesce(pg_has_role(r.oid, m.oid, 'MEMBER'), false) AS is_member
	FROM pg_roles m LEFT JOIN pg_roles r ON r.rolname = $1
	WHERE m.rolname = '${MEMBER_ROLE}'`;

/** Whether the `accounts` table (migration 005) exists: queries naming it fail to parse before. */
const HAS_ACCOUNTS = `SELECT to_regclass('accounts') IS NOT NULL AS has_table`;

/** `"name"` as an SQL identifier (double quotes doubled). */
export function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The `assume` of the database front: `RESET ROLE` for `owner`; for a chat user `SET ROLE "<id>"`,
 * and on its connection's first turn (`isFirst`) make sure that role may be used: created
 * `NOLOGIN IN ROLE hermes_member` when missing; refused when it exists but is a superuser or
 * not in `hermes_member` (a chat id like `postgres` must not become the superuser). While
 * `hermes_member` does not exist (migration 005 not applied), chat users run as the owner,
 * logged once. Row-level security shows a role only what its (enabled) `accounts` row allows, so a
 * chat user without one gets a row whose password hash is the hub secret's (`secretHash`): on
 * the hub every identity logs in with the secret. A disabled row stays disabled. Calls run one
 * after another. A transaction left open by a connection that
 * closed is rolled back first, so it cannot take the next role switch with it.
 * @throws Error with a one-line reason when a chat user's role may not be used.
 */
export function sessionRoles(db: PGlite, owner: string, log: Logger, secretHash: () => Promise<string>): (user: string, isFirst: boolean) => Promise<void> {
	/** Chat users whose last check found no `hermes_member`: they run as the owner. */
	const asOwner = new Set<string>();
	let hasLoggedMissingRole = false;
	const check = async (user: string) => {
		const {rows} = await db.query<{has_role: boolean; is_super: boolean; is_member: boolean}>(ROLE_QUERY, [user]);
		const row = rows[0];
		if (!row) {
			asOwner.add(user);
			if (!hasLoggedMissingRole) {
				hasLoggedMissingRole = true;
				log.warn({role: MEMBER_ROLE}, `hub: role ${MEMBER_ROLE} does not exist (migration 005 not applied): chat users' database sessions run as the owner`);
			}
			return;
		}
		asOwner.delete(user);
		if (!row.has_role) {
			await db.exec(`CREATE ROLE ${quoteIdent(user)} NOLOGIN IN ROLE ${MEMBER_ROLE}`).catch((error: Error) => {
				if (!/already exists/.test(error.message)) throw error;
			});
			log.info({role: user}, 'hub: created the database role of a chat user');
		} else if (row.is_super || !row.is_member) {
			throw new Error(`role ${JSON.stringify(user)} exists and is not a chat user's role (a superuser, or not in ${MEMBER_ROLE})`);
		}
		if (!(await db.query<{has_table: boolean}>(HAS_ACCOUNTS)).rows[0]?.has_table) return;
		if ((await db.query('SELECT 1 FROM accounts WHERE user_id = $1', [user])).rows.length > 0) return;
		await db.query('INSERT INTO accounts (user_id, password_hash) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [user, await secretHash()]);
		log.info({account: user}, 'hub: recorded the account of a chat user (the hub secret is its password)');
	};
	const assume = async (user: string, isFirst: boolean) => {
		if (db.isInTransaction()) await db.exec('ROLLBACK');
		if (user !== owner && isFirst) {
			await db.exec('RESET ROLE');
			await check(user);
		}
		// SET ROLE checks the session user (PGlite's superuser), so it works from any current role.
		await db.exec(user === owner || asOwner.has(user) ? 'RESET ROLE' : `SET ROLE ${quoteIdent(user)}`);
	};
	let queue: Promise<unknown> = Promise.resolve();
	return (user, isFirst) => {
		const turn = queue.then(() => assume(user, isFirst));
		queue = turn.catch(() => undefined);
		return turn;
	};
}
