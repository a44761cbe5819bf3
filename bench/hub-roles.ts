// `npx tsx bench/hub-roles.ts`: what the hub's authentication and per-connection role switch cost.
// (1) PGlite alone: `SELECT $1` vs `SET ROLE` + `SELECT $1` (the extra statement the front runs
// each time a connection takes the session); (2) through the hub's front: sequential queries as the
// owner and as a chat user (role switched every turn), and connecting (SCRAM-SHA-256 + startup).
// Prints a Markdown table; no services needed. BENCH_QUERIES (default 2,000), BENCH_CONNECTS (100).
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PGlite} from '@electric-sql/pglite';
import pg from 'pg';
import {HUB_OWNER} from '../src/hub/hub-secret.js';
import {startHub} from '../src/hub/hub.js';
import {silentLogger} from '../src/log.js';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 2_000);
const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 100);
const rows: Array<[string, number, string]> = [];
/** Mean time of `step` over `n` runs, in ms, after `n / 10` unmeasured warm-up runs (the machine may be shared: rerun to compare). */
const timeEach = async (label: string, n: number, step: (i: number) => Promise<unknown>) => {
	for (let i = 0; i < Math.ceil(n / 10); i++) await step(i);
	const started = performance.now();
	for (let i = 0; i < n; i++) await step(i);
	const ms = (performance.now() - started) / n;
	rows.push([label, n, ms.toFixed(3)]);
};

const db = await PGlite.create();
await db.exec('CREATE ROLE hermes_member NOLOGIN; CREATE ROLE alice NOLOGIN IN ROLE hermes_member');
await timeEach('PGlite: SELECT $1', QUERIES, (i) => db.query('SELECT $1::int', [i]));
await timeEach('PGlite: SET ROLE + SELECT $1', QUERIES, async (i) => (await db.exec('SET ROLE alice'), db.query('SELECT $1::int', [i])));
await db.close();

const dataDir = await mkdtemp(join(tmpdir(), 'hermes-bench-roles-'));
const hub = await startHub({dataDir, mqttPort: 0, pgPort: 0, logger: silentLogger()});
try {
	const owner = new pg.Client({connectionString: hub.urlsFor(HUB_OWNER).databaseUrl});
	await owner.connect();
	await owner.query('CREATE ROLE hermes_member NOLOGIN');
	for (const user of [HUB_OWNER, 'alice']) {
		const client = new pg.Client({connectionString: hub.urlsFor(user).databaseUrl});
		await client.connect();
		await timeEach(`hub: SELECT $1 as ${user === HUB_OWNER ? 'the owner (RESET ROLE)' : 'alice (SET ROLE)'}`, QUERIES, (i) => client.query('SELECT $1::int', [i]));
		await client.end();
	}
	await owner.end();
	await timeEach('hub: connect (SCRAM-SHA-256 + startup) and end', CONNECTS, async () => {
		const client = new pg.Client({connectionString: hub.urlsFor('alice').databaseUrl});
		await client.connect();
		await client.end();
	});
} finally {
	await hub.stop();
	await rm(dataDir, {recursive: true, force: true});
}
process.stdout.write(`| what | n | ms each |\n| --- | --- | --- |\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
