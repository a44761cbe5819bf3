// Regression, "the embedded hub's database mixes up concurrent connections": PGlite is one
// session and pglite-socket 0.2.17 queues single messages, so the Parse/Bind/Execute/Sync of two
// connections interleaved on it — the conversation list came back with loadMembers' rows, or
// `portal "" does not exist`. Many pools query the real hub database at once, with parameters
// (extended protocol) and without (simple protocol), while transactions run alongside; every
// answer must be the one its own query asked for. Port 25412 (the hubpg range).
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openDatabase, type EmbeddedDatabase} from '../../src/hub/database.js';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';

const PORT = 25412;
const POOLS = 4;
const CONNECTIONS_PER_POOL = 4;
const ITERATIONS = 20;

describe('the embedded hub database under concurrent pools', {timeout: 240_000}, () => {
	let dir: string;
	let database: EmbeddedDatabase;
	let setup: Db;
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-hubpg-'));
		database = await openDatabase({dataDir: dir, host: '127.0.0.1', port: PORT, logger: silentLogger()});
		setup = openDb({databaseUrl: database.url, max: 1});
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
		const pools = Array.from({length: POOLS}, () => openDb({databaseUrl: database.url, max: CONNECTIONS_PER_POOL}));
		const writers = Array.from({length: 2}, () => openDb({databaseUrl: database.url, max: 1}));
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
});
