// Accounts and row-level security (issue 9) on a private PostgreSQL cluster whose pg_hba asks
// every account for its SCRAM-SHA-256 password (the owner `postgres` keeps trust), checked with
// the real `psql` client and with the chat client's own read functions logged in as a member.
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {createServer} from 'node:net';
import {promisify} from 'node:util';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../../src/log.js';
import {CATCH_UP_QUERIES, loadHeadSeq, loadReceiptsOnMine, loadUnreceiptedMessages} from '../../src/store/catch-up.js';
import {createPostgresAccountBackend, type PostgresAccountBackend} from '../../src/store/accounts.js';
import {CLIENT_SESSION, openDb, type Db} from '../../src/store/db.js';
import {CONVERSATIONS_QUERY, conversationPageParams, isKnownUser, loadConversations, loadMembers, loadPresences, searchUsers} from '../../src/store/history-people.js';
import {loadAroundPage, loadLatestPage, loadMemberReceipts, loadMessageReceipts, loadOlderPage, loadPageBefore, loadReceipts, loadRecentSent, PAGE_QUERIES} from '../../src/store/history.js';
import {loadAwaySummary} from '../../src/store/away.js';
import {searchMessages} from '../../src/store/search.js';
import {runMigrations} from '../../src/store/migrate.js';
import {wasDeliveredTo} from '../../src/store/seen-queries.js';
import {PrivatePostgres, postgresProblem} from '../faults/helpers/services.js';

const run = promisify(execFile);
const HBA = ['local all all trust', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256'];
const T0 = Date.parse('2026-01-05T10:00:00Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

/** A free TCP port on 127.0.0.1 (the kernel's choice). */
async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** The psql outcome: exit code, stdout, stderr. */
interface PsqlResult {
	code: number;
	out: string;
	err: string;
}

/** One node of EXPLAIN (FORMAT JSON): the fields the plan check below reads. */
interface PlanNode {
	'Node Type': string;
	'Relation Name'?: string;
	Alias?: string;
	Filter?: string;
	'One-Time Filter'?: string;
	Plans?: PlanNode[];
}

const scansMessages = (node: PlanNode): boolean => node['Relation Name'] === 'chat_messages' || (node.Plans ?? []).some(scansMessages);

/**
 * The nodes of a plan that read message_status' branches derived from chat_messages (migration
 * 008): a scan of chat_messages filtered on sent_at, or a branch the planner knows returns no row
 * (`One-Time Filter: false`, as `status IN ('delivered', 'read')` leaves the derived branches) but
 * kept over a scan of chat_messages — at 1,000,000 rows a parallel sequential scan whose workers
 * started on every probe (issue 12). Described as `Index Scan on chat_messages m_5`, `Result (One-Time Filter: false)`.
 */
function derivedStatusBranches(node: PlanNode): string[] {
	const here = (node['Relation Name'] === 'chat_messages' && node.Filter?.includes('sent_at'))
		|| (node['One-Time Filter'] === 'false' && scansMessages(node));
	const self = here ? [node['Relation Name'] ? `${node['Node Type']} on ${node['Relation Name']} ${node.Alias ?? ''}` : `${node['Node Type']} (One-Time Filter: false)`] : [];
	return [...self, ...(node.Plans ?? []).flatMap(derivedStatusBranches)];
}

const psqlProblem = async (): Promise<string | undefined> =>
	run('psql', ['--version']).then(() => undefined, () => 'no psql on PATH');

describe.skipIf(postgresProblem() !== undefined || (await psqlProblem()) !== undefined)('accounts and row-level security on PostgreSQL with passwords', () => {
	// Roles are cluster-wide and this cluster is private, but ids stay unique per run anyway.
	const tag = randomBytes(3).toString('hex');
	const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((name) => `${name}_${tag}`) as [string, string, string, string];
	const password = {alice: 'alice-secret-1', bob: 'bob-secret-22', carol: 'carol-secret-333', dave: 'dave-secret-4444'};
	const aliceBob = [alice, bob].sort().join(':');
	const bobCarol = [bob, carol].sort().join(':');
	const room = `room-${tag}`;
	let server: PrivatePostgres;
	let ownerUrl: string;
	let owner: Db;
	let accounts: PostgresAccountBackend;

	const urlOf = (user: string, secret?: string): string => {
		const url = new URL(ownerUrl);
		url.username = user;
		url.password = secret ?? '';
		return url.toString();
	};
	/** Run the real psql as `user` (no prompt: -w), one command, unaligned tuples. */
	const psql = async (user: string, secret: string | undefined, sql: string): Promise<PsqlResult> => {
		try {
			const {stdout} = await run('psql', [urlOf(user, secret), '-XAtw', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
				env: {PATH: process.env.PATH, PGCONNECT_TIMEOUT: '10', PGPASSFILE: '/nonexistent/pgpass'},
			});
			return {code: 0, out: stdout.trim(), err: ''};
		} catch (error) {
			const failed = error as {code?: number; stdout?: string; stderr?: string};
			return {code: failed.code ?? -1, out: (failed.stdout ?? '').trim(), err: (failed.stderr ?? '').trim()};
		}
	};
	const message = async (id: string, sender: string, conversation: string, minute: number): Promise<number> => {
		const {rows} = await owner.query<{seq: string}>(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
			VALUES ($1, $2::text, $2::text, $3, $4, $3, $5) RETURNING seq`,
			[id, sender, conversation, `${id} text`, at(minute)],
		);
		await owner.query('UPDATE conversations SET last_seq = $2, last_message_at = $3 WHERE id = $1', [conversation, rows[0]!.seq, at(minute)]);
		return Number(rows[0]!.seq);
	};
	const receipt = (id: string, sender: string, status: string, user: string, minute: number) =>
		owner.query('INSERT INTO message_status (message_id, sender_id, status, user_id, timestamp) VALUES ($1, $2, $3, $4, $5)', [id, sender, status, user, at(minute)]);

	beforeAll(async () => {
		server = await PrivatePostgres.start(await freePort(), {hbaLines: HBA});
		ownerUrl = server.urlOf('test');
		await runMigrations({databaseUrl: ownerUrl, logger: silentLogger()});
		owner = openDb({databaseUrl: ownerUrl, max: 2});
		accounts = createPostgresAccountBackend({databaseUrl: ownerUrl});
		for (const [user, secret] of [[alice, password.alice], [bob, password.bob], [carol, password.carol], [dave, password.dave]] as const) {
			await accounts.create(user, secret);
		}
		// Every account is in the user directory from its creation (its id as name), so it can be found and written to.
		expect((await owner.query<{user_id: string; display_name: string}>('SELECT user_id, display_name FROM chat_users ORDER BY user_id')).rows).toEqual(
			[alice, bob, carol, dave].sort().map((id) => ({user_id: id, display_name: id})),
		);
		await owner.query('UPDATE chat_users SET display_name = initcap(user_id)');
		await owner.query(`INSERT INTO conversations (id, kind, title, created_at) VALUES ($1, 'group', 'Ops', $2)`, [room, at(0)]);
		// dave was in the room from minute 0 to minute 3.
		await owner.query(`INSERT INTO conversation_members (user_id, conversation_id, role, joined_at, left_at) VALUES
			($1, $4, 'admin', $5, NULL), ($2, $4, 'member', $5, NULL), ($3, $4, 'member', $5, $6)`, [bob, carol, dave, room, at(0), at(3)]);
		await message('ab-1', alice, aliceBob, 1);
		await message('ab-2', bob, aliceBob, 2);
		await message('bc-1', bob, bobCarol, 1);
		await message('bc-2', carol, bobCarol, 2);
		await message('room-1', bob, room, 2);
		await message('room-2', carol, room, 4);
		await message('all-1', carol, 'all', 5);
		// The trigger of migration 004 made the direct members join now; the seeded history is older.
		await owner.query('UPDATE conversation_members SET joined_at = $1 WHERE conversation_id <> $2', [at(0), room]);
		await receipt('ab-1', alice, 'sent', alice, 1);
		await receipt('ab-1', alice, 'delivered', bob, 2);
		await receipt('bc-1', bob, 'sent', bob, 1);
		await receipt('bc-1', bob, 'read', carol, 2);
		await receipt('all-1', carol, 'read', bob, 6);
	}, 120_000);
	afterAll(async () => {
		await accounts?.close();
		await owner?.close();
		await server?.destroy();
	});

	it('refuses a wrong or missing password and lets the right one in as the account itself', async () => {
		const wrong = await psql(alice, 'not-her-password', 'SELECT 1');
		expect(wrong.code).toBe(2);
		expect(wrong.err).toContain(`password authentication failed for user "${alice}"`);
		const missing = await psql(alice, undefined, 'SELECT 1');
		expect(missing.code).toBe(2);
		expect(missing.err).toMatch(/no password supplied/);
		expect(await psql(alice, password.alice, 'SELECT current_user')).toEqual({code: 0, out: alice, err: ''});
		// The role's password is the verifier computed client-side, not a hash the server made of clear text.
		const {rows} = await owner.query<{rolpassword: string}>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [alice]);
		expect(rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
		// Short reads only: no JIT for an account (it cost 1–14 s on the conversation list, bench/rls.ts),
		// no parallel workers (started per receipt probe of a member's page for nothing: 400 vs 9 ms).
		const config = await owner.query<{rolconfig: string[]}>('SELECT rolconfig FROM pg_roles WHERE rolname = $1', [alice]);
		expect(config.rows[0]!.rolconfig).toEqual(['jit=off', 'max_parallel_workers_per_gather=0']);
	});

	it("shows alice her own conversations and `all`, and none of bob↔carol's messages, receipts or members", async () => {
		const see = async (sql: string) => (await psql(alice, password.alice, sql)).out.split('\n').filter(Boolean);
		expect(await see('SELECT message_id FROM chat_messages ORDER BY message_id')).toEqual(['ab-1', 'ab-2', 'all-1']);
		expect(await see('SELECT message_id || \'/\' || status FROM message_status ORDER BY 1')).toEqual(['ab-1/delivered', 'ab-1/sent', 'all-1/read']);
		expect(await see('SELECT id FROM conversations ORDER BY id')).toEqual([aliceBob, 'all'].sort());
		expect(await see('SELECT user_id FROM conversation_members ORDER BY user_id')).toEqual([alice, bob].sort());
		expect(await see(`SELECT count(*) FROM chat_messages WHERE conversation_id = '${bobCarol}'`)).toEqual(['0']);
		// The directory is everybody's.
		expect(await see('SELECT count(*) FROM chat_users')).toEqual(['4']);
		// bob sees the room, carol's direct chat with him, and not alice's receipts of others.
		const bobSees = (await psql(bob, password.bob, 'SELECT message_id FROM chat_messages ORDER BY message_id')).out.split('\n');
		expect(bobSees).toEqual(['ab-1', 'ab-2', 'all-1', 'bc-1', 'bc-2', 'room-1', 'room-2']);
	});

	it("shows reactions with their message and earlier versions to their author only (migration 006); no message actions or statistics", async () => {
		const react = (id: string, sender: string, emoji: string, user: string) =>
			owner.query('INSERT INTO message_reactions (message_id, sender_id, emoji, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [id, sender, emoji, user]);
		const version = (id: string, sender: string, text: string) =>
			owner.query('INSERT INTO message_versions (message_id, sender_id, version, content, created_at, replaced_by) VALUES ($1, $2, 0, $3, $4, $2) ON CONFLICT DO NOTHING', [id, sender, text, at(1)]);
		await react('ab-1', alice, '👍', bob);
		await react('bc-1', bob, '🎉', carol);
		await version('ab-1', alice, 'ab-1 first text');
		await version('bc-1', bob, 'bc-1 first text');
		const see = async (user: string, secret: string, sql: string) => (await psql(user, secret, sql)).out.split('\n').filter(Boolean);
		expect(await see(alice, password.alice, 'SELECT message_id || emoji FROM message_reactions ORDER BY 1')).toEqual(['ab-1👍']);
		expect(await see(carol, password.carol, 'SELECT message_id || emoji FROM message_reactions ORDER BY 1')).toEqual(['bc-1🎉']);
		expect(await see(alice, password.alice, 'SELECT content FROM message_versions ORDER BY 1')).toEqual(['ab-1 first text']);
		// bob reads ab-1 itself but not alice's earlier text of it.
		expect(await see(bob, password.bob, 'SELECT content FROM message_versions ORDER BY 1')).toEqual(['bc-1 first text']);
		for (const sql of [
			`INSERT INTO message_reactions (message_id, sender_id, emoji, user_id) VALUES ('ab-2', '${bob}', '🔥', '${alice}')`,
			`DELETE FROM message_reactions`,
			`UPDATE message_versions SET content = ''`,
			'SELECT * FROM message_actions',
			'SELECT * FROM chat_stats_daily',
			'SELECT * FROM chat_stats_delays',
		]) {
			const result = await psql(alice, password.alice, sql);
			expect({sql, code: result.code, err: result.err}).toEqual({sql, code: 1, err: expect.stringMatching(/permission denied for (table|relation|materialized view)/) as string});
		}
	});

	it('cannot be escaped by shadowing the membership view with a temporary one', async () => {
		const {out, code} = await psql(alice, password.alice, `CREATE TEMP VIEW hermes_my_conversations AS SELECT DISTINCT conversation_id, NULL::timestamptz AS left_at FROM chat_users, (VALUES ('${bobCarol}'), ('${room}')) AS v(conversation_id);
			SELECT count(*) FROM chat_messages WHERE conversation_id IN ('${bobCarol}', '${room}')`);
		// The temporary view is created (the attempt is real), and the policy still uses the real one.
		expect({code, out}).toEqual({code: 0, out: 'CREATE VIEW\n0'});
	});

	it("lists through hermes_conversation_page (migration 012, owner rights) only the calling account's own conversations", async () => {
		const page = (id: string, ids = 'NULL') => `SELECT conversation_id FROM hermes_conversation_page('${id}', 100, NULL, NULL, NULL, ${ids}) ORDER BY 1`;
		const lines = (out: string) => out.split('\n').filter(Boolean);
		// Her own id: her direct chat with bob and `all`, as the policies show her.
		expect(await psql(alice, password.alice, page(alice))).toEqual({code: 0, out: [aliceBob, 'all'].sort().join('\n'), err: ''});
		// Anyone else's id: no rows (bob's list holds bob↔carol and the room), also when asking by id.
		expect(lines((await psql(bob, password.bob, page(bob))).out)).toEqual([aliceBob, 'all', bobCarol, room].sort());
		expect(await psql(alice, password.alice, page(bob))).toEqual({code: 0, out: '', err: ''});
		expect(await psql(alice, password.alice, page(bob, `ARRAY['${bobCarol}', '${room}']`))).toEqual({code: 0, out: '', err: ''});
		// The caller is the role in force: SET ROLE to the group role (allowed) lists nobody, not
		// even the login's own account; SET ROLE to another account is refused by PostgreSQL itself.
		expect(await psql(alice, password.alice, `SET ROLE hermes_member; ${page(alice)}`)).toEqual({code: 0, out: 'SET', err: ''});
		expect((await psql(alice, password.alice, `SET ROLE "${bob}"; ${page(bob)}`)).err).toMatch(/permission denied to set role/);
		expect((await psql(alice, password.alice, `SELECT set_config('role', '${bob}', false); ${page(bob)}`)).err).toMatch(/permission denied to set parameter|permission denied to set role/);
		// An account disabled in this database (its role still logging in) lists nothing, as the policies.
		await owner.query('UPDATE accounts SET disabled_at = now() WHERE user_id = $1', [alice]);
		try {
			expect(await psql(alice, password.alice, page(alice))).toEqual({code: 0, out: '', err: ''});
		} finally {
			await owner.query('UPDATE accounts SET disabled_at = NULL WHERE user_id = $1', [alice]);
		}
		// dave left the room: not listed (the policies show him only its rows from before he left).
		expect(lines((await psql(dave, password.dave, page(dave))).out)).toEqual(['all']);
		// Roles outside hermes_member may not call it (EXECUTE is revoked from PUBLIC).
		const outsider = `outsider_${tag}`;
		await owner.query(`CREATE ROLE ${outsider} LOGIN PASSWORD 'outsider-secret-1'`);
		try {
			expect((await psql(outsider, 'outsider-secret-1', page(alice))).err).toMatch(/permission denied for function hermes_conversation_page/);
		} finally {
			await owner.query(`DROP ROLE ${outsider}`);
		}
	});

	it('protects a new table in one statement (hermes_protect_table, for later migrations)', async () => {
		await owner.query(`CREATE TABLE rls_probe (conversation_id varchar(201) NOT NULL, note text NOT NULL)`);
		await owner.query(`INSERT INTO rls_probe VALUES ($1, 'mine'), ($2, 'theirs'), ('all', 'everyone')`, [aliceBob, bobCarol]);
		expect((await psql(alice, password.alice, 'SELECT note FROM rls_probe')).err).toMatch(/permission denied/);
		await owner.query(`SELECT hermes_protect_table('rls_probe', 'conversation_id')`);
		expect((await psql(alice, password.alice, 'SELECT note FROM rls_probe ORDER BY note')).out.split('\n')).toEqual(['everyone', 'mine']);
		expect((await psql(alice, password.alice, `DELETE FROM rls_probe`)).err).toMatch(/permission denied/);
	});

	it('finds a member\'s conversations and account through the primary keys, not by reading every row (migration 009)', async () => {
		// Seq scans off: a plan can then still scan the table only when the comparison is not an
		// index condition at all (name's "C" collation against the column's, before migration 009).
		const plan = (await psql(alice, password.alice, 'SET enable_seqscan = off; EXPLAIN SELECT * FROM hermes_my_conversations')).out;
		expect(plan).toMatch(/Index (Only )?Scan using conversation_members_pkey on conversation_members m[^\n]*\n\s*Index Cond: [^\n]*user_id/);
		expect(plan).toMatch(/Index Scan using accounts_pkey on accounts a[^\n]*\n\s*Index Cond: [^\n]*user_id/);
		expect(plan).not.toMatch(/Seq Scan on conversation_members/);
		expect(plan).not.toMatch(/Seq Scan on accounts/);
		const mine = (await psql(alice, password.alice, 'SELECT conversation_id FROM hermes_my_conversations')).out.split('\n');
		expect(mine).toEqual(expect.arrayContaining([aliceBob, 'all']));
		expect(mine).not.toContain(bobCarol);
	});

	it('shows a member who left only what was stored before they left', async () => {
		const {out} = await psql(dave, password.dave, 'SELECT message_id FROM chat_messages ORDER BY message_id');
		expect(out.split('\n')).toEqual(['all-1', 'room-1']);
	});

	it('refuses INSERT, UPDATE and DELETE on every chat table, and any access to accounts', async () => {
		const writes = [
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id) VALUES ('x', '${bob}', 'b', '${alice}', 'forged', '${aliceBob}')`,
			`UPDATE chat_messages SET content = 'changed' WHERE message_id = 'ab-1'`,
			`DELETE FROM chat_messages WHERE message_id = 'ab-2'`,
			`INSERT INTO message_status (message_id, sender_id, status, user_id) VALUES ('ab-2', '${bob}', 'read', '${alice}')`,
			`UPDATE message_status SET status = 'read'`,
			'DELETE FROM message_status',
			`INSERT INTO conversations (id, kind) VALUES ('room-forged', 'group')`,
			`UPDATE conversations SET title = 'mine'`,
			'DELETE FROM conversations',
			`INSERT INTO conversation_members (user_id, conversation_id) VALUES ('${alice}', '${bobCarol}')`,
			`UPDATE conversation_members SET last_read_seq = 0`,
			'DELETE FROM conversation_members',
			`INSERT INTO chat_users (user_id, display_name) VALUES ('x', 'x')`,
			`UPDATE chat_users SET display_name = 'pwned'`,
			'DELETE FROM chat_users',
			'SELECT * FROM accounts',
			`UPDATE accounts SET disabled_at = NULL`,
			'SELECT * FROM pgmigrations',
		];
		for (const sql of writes) {
			const result = await psql(alice, password.alice, sql);
			expect({sql, code: result.code, err: result.err}).toEqual({sql, code: 1, err: expect.stringMatching(/permission denied for (table|relation|view)/) as string});
			// (message_status is a view since migration 008: refused as a view.)
		}
		const {rows} = await owner.query<{n: string}>(`SELECT count(*) AS n FROM chat_messages`);
		expect(Number(rows[0]!.n)).toBe(7);
	});

	it('refuses a disabled account at once, ends its open session, and lets it in again when enabled', async () => {
		const session = new pg.Client({connectionString: urlOf(carol, password.carol)});
		// Every error of the ended session lands here (the first is the server's FATAL).
		const ended = new Promise<Error>((resolve) => session.on('error', resolve));
		await session.connect();
		expect((await session.query('SELECT current_user AS me')).rows[0].me).toBe(carol);
		await accounts.setDisabled(carol, true);
		expect((await ended).message).toMatch(/terminat/);
		const refused = await psql(carol, password.carol, 'SELECT 1');
		expect(refused.code).toBe(2);
		expect(refused.err).toContain(`role "${carol}" is not permitted to log in`);
		expect((await accounts.list()).find((a) => a.userId === carol)?.disabledAt).toBeGreaterThan(0);
		expect(await accounts.verify(carol, password.carol)).toBe(false);
		await session.end().catch(() => undefined);
		await accounts.setDisabled(carol, false);
		expect((await psql(carol, password.carol, 'SELECT current_user')).out).toBe(carol);
		expect((await accounts.list()).find((a) => a.userId === carol)?.disabledAt).toBeUndefined();
	});

	it('changes a password: the new one logs in, the old one is refused', async () => {
		await accounts.setPassword(bob, 'bob-new-password');
		expect((await psql(bob, password.bob, 'SELECT 1')).err).toContain('password authentication failed');
		expect((await psql(bob, 'bob-new-password', 'SELECT current_user')).out).toBe(bob);
		expect(await accounts.verify(bob, 'bob-new-password')).toBe(true);
		expect(await accounts.verify(bob, password.bob)).toBe(false);
		password.bob = 'bob-new-password';
	});

	it('refuses existing, reserved, invalid and too-short accounts with their codes', async () => {
		const code = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: {code?: string}) => error.code);
		expect(await code(accounts.create(alice, 'another-password'))).toBe('exists');
		expect(await code(accounts.create('postgres', 'another-password'))).toBe('reserved');
		expect(await code(accounts.create('hermes_member', 'another-password'))).toBe('reserved');
		expect(await code(accounts.create('public', 'another-password'))).toBe('reserved');
		expect(await code(accounts.create('all', 'another-password'))).toBe('reserved');
		expect(await code(accounts.create('a/b', 'another-password'))).toBe('invalid');
		expect(await code(accounts.create('x'.repeat(64), 'another-password'))).toBe('invalid');
		expect(await code(accounts.create(`eve_${tag}`, 'short'))).toBe('invalid');
		expect(await code(accounts.setPassword(`nobody_${tag}`, 'another-password'))).toBe('unknown');
		expect(await code(accounts.setDisabled(`nobody_${tag}`, true))).toBe('unknown');
		const {rows} = await owner.query<{n: string}>('SELECT count(*) AS n FROM pg_roles WHERE rolname IN ($1, $2)', [`eve_${tag}`, 'x'.repeat(63)]);
		expect(rows[0]!.n).toBe('0');
		expect((await accounts.list()).map((a) => a.userId)).toEqual([alice, bob, carol, dave].sort());
	});

	it('works with an owner that is neither superuser nor CREATEROLE once hermes_member exists (RLS does not apply to the owner)', async () => {
		const name = `owner_${tag}`;
		await owner.query(`CREATE ROLE ${name} LOGIN PASSWORD 'owner-secret-1'`);
		await owner.query(`CREATE DATABASE ${name} OWNER ${name}`);
		const url = new URL(ownerUrl);
		[url.username, url.password, url.pathname] = [name, 'owner-secret-1', `/${name}`];
		expect(await runMigrations({databaseUrl: url.toString(), logger: silentLogger()})).toContain('005_accounts_rls');
		const db = openDb({databaseUrl: url.toString(), max: 1});
		try {
			await db.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
				VALUES ('o-1', 'x', 'X', 'y', 'owner sees this', 'x:y')`);
			const {rows} = await db.query<{n: number}>('SELECT count(*)::int AS n FROM chat_messages');
			expect(rows[0]!.n).toBe(1);
			// It owns the tables, so hermes_conversation_page (migration 012) lists anyone's.
			expect((await loadConversations(db, 'x')).map((c) => c.conversationId)).toEqual(['x:y', 'all']);
		} finally {
			await db.close();
		}
	});

	it("plans a member's page without parallel workers, as the chat connects, even where they look free", async () => {
		// On 211,000 messages (bench/rls.ts) the planner gave each receipt probe of a member's page a
		// Gather over the message_status view's empty branches: two workers started per probe, 25
		// probes a page, 400 ms instead of 9. Here parallel plans are made to look free instead.
		const plan = async (extra: string[] = []) => {
			const member = openDb({databaseUrl: urlOf(alice, password.alice), max: 1, ...CLIENT_SESSION});
			try {
				return await member.withTransaction(async (client) => {
					for (const setting of ['parallel_setup_cost = 0', 'parallel_tuple_cost = 0', 'min_parallel_table_scan_size = 0', 'min_parallel_index_scan_size = 0', ...extra]) {
						await client.query(`SET LOCAL ${setting}`);
					}
					const {rows} = await client.query<{'QUERY PLAN': string}>(`EXPLAIN ${PAGE_QUERIES.latest}`, [aliceBob, 51, alice]);
					return rows.map((row) => row['QUERY PLAN']).join('\n');
				});
			} finally {
				await member.close();
			}
		};
		// Not vacuous: with workers allowed, this page does get them.
		expect(await plan(['max_parallel_workers_per_gather = 2'])).toMatch(/Gather/);
		const asClient = await plan();
		expect(asClient).toMatch(/chat_messages/);
		expect(asClient).not.toMatch(/Gather/);
	});

	it("returns the client's own pages, lists and receipts unchanged when run logged in as the member", async () => {
		const member = openDb({databaseUrl: urlOf(alice, password.alice), max: 1});
		try {
			// Everything alice's TUI asks for, as the owner computes it and as alice's role reads it.
			const reads = async (db: Db) => ({
				latest: await loadLatestPage(db, aliceBob, 1, alice),
				older: await loadOlderPage(db, aliceBob, 1_000_000, 10, alice),
				before: await loadPageBefore(db, aliceBob, at(2), 10, alice),
				all: await loadLatestPage(db, 'all', 10, alice),
				conversations: await loadConversations(db, alice),
				members: await loadMembers(db, aliceBob),
				mine: await loadRecentSent(db, alice, 10),
				receipts: await loadReceipts(db, ['ab-1', 'all-1']),
				info: await loadMessageReceipts(db, alice, 'ab-1'),
				perMember: await loadMemberReceipts(db, alice, 'ab-1'),
				missed: await loadUnreceiptedMessages(db, alice, 0),
				onMine: await loadReceiptsOnMine(db, alice, 0),
				delivered: await wasDeliveredTo(db, alice, 'ab-1', bob),
				people: await searchUsers(db, tag, 10),
				isKnown: await isKnownUser(db, carol),
				presences: await loadPresences(db, [bob, carol]),
				around: await loadAroundPage(db, aliceBob, 1_000_000, 10, alice),
				search: await searchMessages(db, alice, {text: 'text'}),
				away: await loadAwaySummary(db, alice),
			});
			const asOwner = await reads(owner);
			const asAlice = await reads(member);
			expect(asAlice).toEqual(asOwner);
			// Not vacuous: the pages hold her messages, the list her two conversations.
			expect(asAlice.latest.messages.map((m) => m.messageId)).toEqual(['ab-2']);
			expect(asAlice.latest.hasMore).toBe(true);
			expect(asAlice.older.messages.map((m) => m.messageId)).toEqual(['ab-1', 'ab-2']);
			expect(asAlice.conversations.map((c) => c.conversationId).sort()).toEqual([aliceBob, 'all'].sort());
			expect(asAlice.missed.map((m) => m.message.messageId)).toEqual(['ab-2', 'all-1']);
			expect(asAlice.perMember).toEqual([expect.objectContaining({userId: bob, deliveredAt: at(2).getTime()})]);
			expect(asAlice.search.hits.map((h) => h.messageId).sort()).toEqual(['ab-1', 'ab-2', 'all-1']);
			expect(asAlice.around.messages.map((m) => m.messageId)).toEqual(['ab-1', 'ab-2']);
			// Another conversation's reads come back empty for her, not with its rows.
			expect((await loadLatestPage(member, bobCarol, 10, alice)).messages).toEqual([]);
			expect((await loadLatestPage(owner, bobCarol, 10, alice)).messages).toHaveLength(2);
			expect(await loadMembers(member, room)).toEqual([]);
			expect(await loadMessageReceipts(member, bob, 'bc-1')).toEqual([]);
			expect(await wasDeliveredTo(member, bob, 'bc-1', carol)).toBe(false);
			// Catch-up starts from the newest seq she can see, at or before the table's: never later.
			expect(await loadHeadSeq(member)).toBeLessThanOrEqual(await loadHeadSeq(owner));
		} finally {
			await member.close();
		}
	});

	it("reads a member's ticks from message_receipts and the message row, not message_status' derived branches (issue 12), with the same results", async () => {
		// Messages as the ingester stores them since migration 008 (the sender's time in sent_at, only
		// receipts as rows), next to the older ones above (sent_at NULL, stored `sent` rows).
		const sent = async (id: string, conversation: string, minute: number) => {
			await message(id, alice, conversation, minute);
			await owner.query('UPDATE chat_messages SET sent_at = $2 WHERE message_id = $1', [id, new Date(at(minute).getTime() - 1_000)]);
		};
		await sent('ab-3', aliceBob, 7);
		await sent('ab-4', aliceBob, 8);
		await sent('all-2', 'all', 8);
		await sent('all-3', 'all', 9);
		await receipt('ab-3', alice, 'delivered', bob, 8);
		await receipt('all-2', alice, 'read', carol, 9);
		const member = openDb({databaseUrl: urlOf(alice, password.alice), max: 1});
		try {
			const reads = async (db: Db) => ({
				direct: await loadLatestPage(db, aliceBob, 10, alice),
				all: await loadLatestPage(db, 'all', 10, alice),
				conversations: await loadConversations(db, alice),
				mine: await loadRecentSent(db, alice, 10),
				info: await loadMessageReceipts(db, alice, 'ab-4'),
				perMember: await loadMemberReceipts(db, alice, 'ab-3'),
				onMine: await loadReceiptsOnMine(db, alice, 0),
			});
			const asOwner = await reads(owner);
			expect(await reads(member)).toEqual(asOwner);
			const statusOf = (page: typeof asOwner.direct) => page.messages.map((m) => `${m.messageId} ${m.status}`);
			// Older rows keep their stored status rows; newer ones are received_by_server by their sent_at.
			expect(statusOf(asOwner.direct)).toEqual(['ab-1 delivered', 'ab-2 sent', 'ab-3 delivered', 'ab-4 received_by_server']);
			expect(statusOf(asOwner.all)).toEqual(['all-1 read', 'all-2 read', 'all-3 received_by_server']);
			expect(asOwner.info.map((r) => `${r.status} ${r.userId} ${r.at}`)).toEqual([
				`sent ${alice} ${at(8).getTime() - 1_000}`,
				`received_by_server ${alice} ${at(8).getTime()}`,
			]);
			expect(asOwner.conversations.find((c) => c.conversationId === 'all')?.lastMessage?.status).toBe('received_by_server');
			// The plans alice's role runs: no branch of the view derived from chat_messages.
			const plans: Array<[string, string, unknown[]]> = [
				['newest page, direct', PAGE_QUERIES.latest, [aliceBob, 51, alice]],
				['newest page, all', PAGE_QUERIES.latest, ['all', 51, alice]],
				['older page', PAGE_QUERIES.older, [aliceBob, 1_000_000, 51, alice]],
				['catch-up, missed', CATCH_UP_QUERIES.missed, [alice, 0, 500]],
				['catch-up, receipts on mine', CATCH_UP_QUERIES.receipts, [alice, 0, 2_000]],
			];
			for (const [name, sql, params] of plans) {
				const {rows} = await member.query<{'QUERY PLAN': Array<{Plan: PlanNode}>}>(`EXPLAIN (COSTS OFF, FORMAT JSON) ${sql}`, params);
				expect({name, derived: derivedStatusBranches(rows[0]!['QUERY PLAN'][0]!.Plan)}).toEqual({name, derived: []});
			}
			// The list runs inside hermes_conversation_page with the owner's rights (migration 012):
			// its statement's plan is the owner's. No derived branch there either; the first row:
			// her conversations are ordered from conversations.last_message_at (migration 010), one
			// newest-message probe, not one each.
			const listPlan = await owner.query<{'QUERY PLAN': Array<{Plan: PlanNode}>}>(`EXPLAIN (COSTS OFF, FORMAT JSON) ${CONVERSATIONS_QUERY}`, conversationPageParams(alice, 500));
			expect(derivedStatusBranches(listPlan.rows[0]!['QUERY PLAN'][0]!.Plan)).toEqual([]);
			expect(asOwner.conversations.length).toBeGreaterThan(1);
			const first = await owner.query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${CONVERSATIONS_QUERY}`, conversationPageParams(alice, 1));
			const probe = first.rows.map((r) => r['QUERY PLAN']).find((line) => /on chat_messages m\b/.test(line));
			expect(probe).toMatch(/loops=1\)/);
		} finally {
			await member.close();
		}
	});
});
