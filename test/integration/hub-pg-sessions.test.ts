// Regression, "the embedded hub's database mixes up concurrent connections": PGlite is one
// session and pglite-socket 0.2.17 queues single messages, so the Parse/Bind/Execute/Sync of two
// connections interleaved on it — the conversation list came back with loadMembers' rows, or
// `portal "" does not exist`. Many pools query the real hub database at once, with parameters
// (extended protocol) and without (simple protocol), while transactions run alongside; every
// answer must be the one its own query asked for. Then the same with the role switch the front
// makes for every connection (SET ROLE per chat user, under row-level security).
import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {existsSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openDatabase, SHARED_BUFFERS_MB, type EmbeddedDatabase} from '../../src/hub/database.js';
import {HUB_OWNER, withHubCredentials} from '../../src/hub/hub-secret.js';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';

const SECRET = randomBytes(32).toString('base64url');
const POOLS = 4;
const CONNECTIONS_PER_POOL = 4;
const ITERATIONS = 20;

describe('the embedded hub database under concurrent pools', {timeout: 240_000}, () => {
	let dir: string;
	let database: EmbeddedDatabase;
	let setup: Db;
	/** The database URL with `user` and the secret. */
	const as = (user: string) => withHubCredentials(database.url, user, SECRET);
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-hubpg-'));
		database = await openDatabase({dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger(), secret: SECRET, owner: HUB_OWNER});
		setup = openDb({databaseUrl: as(HUB_OWNER), max: 1});
		await setup.query('CREATE TABLE ledger (owner text NOT NULL, n int NOT NULL)');
		await setup.query("CREATE TABLE member (conversation_id text NOT NULL, user_id text NOT NULL)");
		await setup.query("INSERT INTO member VALUES ('room-a', 'rita'), ('room-a', 'sam'), ('room-b', 'tess')");
	}, 120_000);
	afterAll(async () => {
		await setup?.close();
		await database?.close();
		if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('gives every query its own rows, extended and simple protocol, transactions alongside', async () => {
		const pools = Array.from({length: POOLS}, () => openDb({databaseUrl: as(HUB_OWNER), max: CONNECTIONS_PER_POOL}));
		const writers = Array.from({length: 2}, () => openDb({databaseUrl: as(HUB_OWNER), max: 1}));
		const problems: string[] = [];
		// The first wrong answer or error ends the run: the hub is closed under the pools, so a
		// connection left waiting for an answer that went elsewhere cannot hang the test.
		let stop: (problem: string) => void = () => undefined;
		const stopped = new Promise<void>((resolve) => (stop = (problem) => (problems.push(problem), resolve())));
		const check = (what: string, isRight: boolean, got: unknown) => {
			if (!isRight) stop(`${what}: got ${JSON.stringify(got)}`);
		};
		const committed = [0, 0];
		// Every pool connection asks one query after another while the writers' transactions come
		// and go: what other connections send during a transaction waits in line, and is all run
		// together once it ends — where their messages interleaved.
		const reader = async (db: Db, p: number) => {
			for (let i = 0; i < ITERATIONS; i++) {
				// A series whose length and values depend on the parameters.
				const series = await db.query<{pool: number; n: number; label: string}>(
					"SELECT $1::int AS pool, g AS n, 'series-' || $1 AS label FROM generate_series(1, $2::int) AS g",
					[p, p + 2],
				);
				check(`series of pool ${p}`, series.rows.length === p + 2 && series.rows.every((row, n) => row.pool === p && row.n === n + 1 && row.label === `series-${p}`), series.rows);
				// Another shape: a conversation's members.
				const room = p % 2 === 0 ? 'room-a' : 'room-b';
				const members = await db.query<{user_id: string}>('SELECT user_id FROM member WHERE conversation_id = $1 ORDER BY user_id', [room]);
				const expected = room === 'room-a' ? [{user_id: 'rita'}, {user_id: 'sam'}] : [{user_id: 'tess'}];
				check(`members for pool ${p}`, JSON.stringify(members.rows) === JSON.stringify(expected), members.rows);
				// No parameters: the simple query protocol.
				const simple = await db.query<{kind: string; i: number}>(`SELECT 'simple' AS kind, ${i} AS i`);
				check(`simple query of pool ${p}`, simple.rows.length === 1 && simple.rows[0]!.kind === 'simple' && simple.rows[0]!.i === i, simple.rows);
			}
		};
		// Short transactions, each seeing its own inserts and none of the other writer's.
		const writer = async (db: Db, w: number) => {
			for (let i = 0; i < ITERATIONS; i++) {
				await db.withTransaction(async (client) => {
					await client.query('INSERT INTO ledger (owner, n) VALUES ($1, $2)', [`w${w}`, i]);
					await client.query('SELECT pg_sleep(0.002)');
					const r = await client.query<{count: number}>('SELECT count(*)::int AS count FROM ledger WHERE owner = $1', [`w${w}`]);
					check(`ledger count of writer ${w}`, r.rows.length === 1 && r.rows[0]!.count === i + 1, r.rows);
				});
				committed[w]!++;
			}
		};
		const work = Promise.all([
			...pools.flatMap((db, p) => Array.from({length: CONNECTIONS_PER_POOL}, () => reader(db, p))),
			...writers.map((db, w) => writer(db, w)),
		]).catch((error: Error) => stop(`error: ${error.message}`));
		await Promise.race([work, stopped]);
		if (problems.length > 0) await database.close();
		await work;
		for (const db of [...pools, ...writers]) await db.close();
		expect(problems.slice(0, 3)).toEqual([]);
		expect(committed).toEqual([ITERATIONS, ITERATIONS]);
		const rows = await setup.query<{owner: string; count: number}>('SELECT owner, count(*)::int AS count FROM ledger GROUP BY owner ORDER BY owner');
		expect(rows.rows).toEqual([{owner: 'w0', count: ITERATIONS}, {owner: 'w1', count: ITERATIONS}]);
	});

	it('runs each connection as its user\'s role: row-level security holds while two users\' pools and the owner\'s interleave', async () => {
		const current = async (user: string) => {
			const db = openDb({databaseUrl: as(user), max: 1});
			try {
				return (await db.query<{me: string}>('SELECT current_user AS me')).rows[0]!.me;
			} finally {
				await db.close();
			}
		};
		// Before migration 005 there is no hermes_member: chat users run as the owner.
		expect(await current('carol')).toBe('postgres');
		// Our own stand-in for migration 005: the member role, a table, a policy.
		await setup.query('CREATE ROLE hermes_member NOLOGIN');
		await setup.query('CREATE TABLE diary (author text NOT NULL, entry text NOT NULL)');
		await setup.query('ALTER TABLE diary ENABLE ROW LEVEL SECURITY');
		await setup.query('CREATE POLICY own_rows ON diary USING (author = current_user)');
		await setup.query('GRANT SELECT ON diary TO hermes_member');
		await setup.query("INSERT INTO diary VALUES ('alice', 'a1'), ('alice', 'a2'), ('bob', 'b1')");
		await setup.query('CREATE ROLE mallory SUPERUSER');
		expect(await current('carol')).toBe('carol');
		const roles = await setup.query<{rolname: string; rolcanlogin: boolean; is_member: boolean}>(
			"SELECT rolname, rolcanlogin, pg_has_role(rolname, 'hermes_member', 'MEMBER') AS is_member FROM pg_roles WHERE rolname = 'carol'",
		);
		expect(roles.rows).toEqual([{rolname: 'carol', rolcanlogin: false, is_member: true}]);
		// A chat id that names a role outside hermes_member (here a superuser) is refused, not assumed.
		await expect(current('mallory')).rejects.toThrow(/role "mallory" exists and is not a chat user's role/);

		const expected: Record<string, {me: string; entries: string[]}> = {
			alice: {me: 'alice', entries: ['a1', 'a2']},
			bob: {me: 'bob', entries: ['b1']},
			[HUB_OWNER]: {me: 'postgres', entries: ['a1', 'a2', 'b1']}, // the superuser bypasses RLS
		};
		const pools = Object.keys(expected).map((user) => ({user, db: openDb({databaseUrl: as(user), max: CONNECTIONS_PER_POOL})}));
		const wrong: string[] = [];
		const reader = async (user: string, db: Db) => {
			for (let i = 0; i < ITERATIONS; i++) {
				// Parameters (extended protocol) and a transaction: the role must hold through both.
				const rows = await db.withTransaction(async (client) => {
					const r = await client.query<{me: string; entries: string[]}>('SELECT current_user::text AS me, coalesce(array_agg(entry ORDER BY entry), $1) AS entries FROM diary', [[]]);
					return r.rows[0]!;
				});
				if (JSON.stringify(rows) !== JSON.stringify(expected[user])) wrong.push(`${user}: ${JSON.stringify(rows)}`);
			}
		};
		await Promise.all(pools.flatMap(({user, db}) => Array.from({length: CONNECTIONS_PER_POOL}, () => reader(user, db))));
		expect(wrong.slice(0, 3)).toEqual([]);
		// A chat user's role may not write: only what migration 005 grants.
		const alice = pools[0]!.db;
		await expect(alice.query("INSERT INTO diary VALUES ('alice', 'forged')")).rejects.toThrow(/permission denied/);
		expect((await setup.query<{n: number}>('SELECT count(*)::int AS n FROM diary')).rows).toEqual([{n: 3}]);
		for (const {db} of pools) await db.close();
	});

	it("prepares a chat user's query once per user (a named statement on the one session), row-level security intact", async () => {
		const sql = 'SELECT entry FROM diary WHERE entry <> $1 ORDER BY entry';
		const alice = openDb({databaseUrl: as('alice'), max: 2});
		const bob = openDb({databaseUrl: as('bob'), max: 1});
		try {
			for (let i = 0; i < 3; i++) {
				expect((await alice.query<{entry: string}>(sql, ['x'])).rows.map((r) => r.entry)).toEqual(['a1', 'a2']);
				expect((await bob.query<{entry: string}>(sql, ['x'])).rows.map((r) => r.entry)).toEqual(['b1']);
			}
			// PGlite is one session: its prepared statements are every connection's.
			const prepared = await setup.query<{name: string}>('SELECT name FROM pg_prepared_statements WHERE statement = $1 ORDER BY name', [sql]);
			expect(prepared.rows).toHaveLength(2);
			for (const {name} of prepared.rows) expect(name).toMatch(/^hermes_s\d+$/);
			// The owner's (the hub's own ingester's) statements are prepared too, under a key of their own.
			const own = 'SELECT name FROM pg_prepared_statements WHERE statement = $1';
			await setup.query(own, [own]);
			expect((await setup.query<{name: string}>(own, [own])).rows).toEqual([{name: expect.stringMatching(/^hermes_s\d+$/)}]);
			// A statement that fails to parse is not kept, and the next one still works.
			await expect(alice.query('SELEKT $1::int', [1])).rejects.toThrow(/syntax error/);
			await expect(alice.query('SELEKT $1::int', [1])).rejects.toThrow(/syntax error/);
			expect((await alice.query<{n: number}>('SELECT $1::int AS n', [5])).rows).toEqual([{n: 5}]);
		} finally {
			await alice.close();
			await bob.close();
		}
	});

	it('runs PGlite with the hub\'s small buffer pool, on a cluster created (by a child process) in pgdata', async () => {
		expect((await setup.query<{shared_buffers: string}>('SHOW shared_buffers')).rows[0]?.shared_buffers).toBe(`${SHARED_BUFFERS_MB}MB`);
		expect(existsSync(join(database.pgdata, 'PG_VERSION'))).toBe(true);
	});

	it('refuses a wrong or missing password with 28P01 and goes on serving', async () => {
		const wrong = openDb({databaseUrl: withHubCredentials(database.url, 'alice', 'not-the-secret'), max: 1});
		await expect(wrong.query('SELECT 1')).rejects.toMatchObject({code: '28P01'});
		await wrong.close();
		const none = openDb({databaseUrl: database.url.replace('//', '//alice@'), max: 1});
		await expect(none.query('SELECT 1')).rejects.toThrow(/password/);
		await none.close();
		expect((await setup.query<{ok: number}>('SELECT 1 AS ok')).rows).toEqual([{ok: 1}]);
	});
});
