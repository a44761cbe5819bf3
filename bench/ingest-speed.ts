// Issue 12 outcome 2, measured on private services: ingest throughput of one or more ingester
// builds (variants) against the broker's own QoS 1 pass-through and one INSERT per message, in
// the same run, interleaved, medians of the rounds; lost/duplicated from the stored rows; CPU
// µs per message per process (publishers, sink/ingester, Mosquitto, PostgreSQL).
//   npx tsx bench/ingest-speed.ts [--messages 100000] [--publishers 2] [--rounds 3]
//       [--variant name=/path/to/a/built/checkout ...]   (default: this checkout, `npm run build` first)
//       [--port 21400] [--tmp /tmp/h-ingest] [--skip-insert] [--insert-messages 5000]
//       [--latency]   (instead: send → ✓ p50/p99 at 200 msg/s, 2,000 messages from one publisher, per variant)
//       [--dynsec]    (Mosquitto with the dynamic-security plugin and production's roles, see DYNSEC)
// A variant may add ingester flags after commas: --variant 'linger0=/path,--linger-ms,0'; a flag
// prefixed `node:` goes to node instead: --variant 'semi32=/path,node:--max-semi-space-size=32'.
// A variant is a checkout with dist/ built (its own migrations run in a fresh database).
// Env INGESTER_NODE_ARGS: extra node flags for the ingester processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
// Env BENCH_PG_STATEMENTS=1: PostgreSQL's side of each ingester run (see PG_STATEMENTS below).
import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, writeFileSync, chownSync, mkdtempSync, chmodSync, readdirSync} from 'node:fs';
import {loadavg} from 'node:os';
import {join, resolve} from 'node:path';
import {createInterface} from 'node:readline';
import pg from 'pg';
import {randomUUID} from 'node:crypto';
import {connectDynsecControl, type DynsecControl} from '../src/live/dynsec-control.js';
import {createDynsecBackend, setupDynsec} from '../src/live/dynsec.js';
import {silentLogger} from '../src/log.js';
import {startPrivateBroker} from './private-broker.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? args[i + 1]! : fallback;
};
const MESSAGES = Number(flag('messages', args.includes('--latency') ? '2000' : '100000'));
const ALL_MESSAGES = MESSAGES;
const PUBLISHERS = Number(flag('publishers', '2'));
const ROUNDS = Number(flag('rounds', '3'));
const PORT = Number(flag('port', '21400'));
// One INSERT per message is slow with fsync on: it gets fewer messages (its rate does not depend on the count).
const INSERT_MESSAGES = Number(flag('insert-messages', String(Math.min(MESSAGES, 5_000))));
const TMP = flag('tmp', '/tmp/h-ingest');
const variants = args.flatMap((a, i) => (args[i - 1] === '--variant' ? [a] : [])).map((v) => {
	const name = v.slice(0, v.indexOf('='));
	const spec = v.slice(v.indexOf('=') + 1); // the first '=' only: a flag may hold one
	const [dir, ...flags] = spec.split(',');
	return {name, dir: resolve(dir!), flags};
});
if (variants.length === 0) variants.push({name: 'this checkout', dir: resolve('.'), flags: []});
const LATENCY = args.includes('--latency');
// --dynsec: Mosquitto with production's access control (the dynamic-security plugin, roles from
// live/dynsec-roles.ts): publishers log in as accounts p0, p1 …, the ingester (and the sinks) as
// `ingester`; before each ingester run the `hermes-ingester` role is set to that variant's own
// ingesterRole, so each build runs under the ACLs it ships with. Topic base `bench/messages`.
const DYNSEC = args.includes('--dynsec');
const DYNSEC_BASE = 'bench/messages';
const SHARED_GROUP = 'bench';
// Env BENCH_PG_STATEMENTS=1 (profiling, not for figures): load pg_stat_statements and print each
// ingester run's top statements (stderr), and auto_explain every statement over 30 ms (EXPLAIN
// ANALYZE with triggers and buffers) into <tmp>/postgres.log, kept when the cluster stops.
const PG_STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';
const HERE = resolve(import.meta.dirname);
const CLK_TCK = 100;

/** Cumulative CPU (user + system) of `pids`, µs, from /proc/<pid>/stat. */
function cpuOf(pids: readonly number[]): number {
	let ticks = 0;
	for (const pid of pids) {
		try {
			const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
			ticks += Number(fields[11]) + Number(fields[12]);
		} catch {
			// exited
		}
	}
	return (ticks * 1e6) / CLK_TCK;
}

/** The postmaster and its children (backends, walwriter, checkpointer …). */
function postgresPids(dataDir: string): number[] {
	const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
	const children = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
		try {
			return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(postmaster);
		} catch {
			return false;
		}
	});
	return [postmaster, ...children];
}

/** A private PostgreSQL with fsync ON (the durable setting), trust auth, as the postgres user. */
function startPostgres(port: number): {url: (db: string) => string; dataDir: string; stop(): void} {
	const bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1)!, 'bin');
	mkdirSync(TMP, {recursive: true});
	const dir = mkdtempSync(join(TMP, 'pg-'));
	chmodSync(dir, 0o755);
	const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
	const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
	chownSync(dir, uid, gid);
	const data = join(dir, 'data');
	const asPostgres = (cmd: string, argv: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...argv], {cwd: '/', stdio: 'pipe'});
	asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
	const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=on -c synchronous_commit=on -c max_connections=40 -c shared_buffers=256MB${PG_STATEMENTS ? ' -c shared_preload_libraries=pg_stat_statements,auto_explain -c auto_explain.log_min_duration=30 -c auto_explain.log_analyze=on -c auto_explain.log_triggers=on -c auto_explain.log_buffers=on' : ''}`;
	asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
	return {
		url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
		dataDir: data,
		stop() {
			asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
			if (PG_STATEMENTS) writeFileSync(join(TMP, 'postgres.log'), readFileSync(join(dir, 'log')));
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

interface Proc {
	child: ChildProcess;
	lines: AsyncIterator<string>;
}

function start(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Proc {
	const child = spawn(command, argv, {stdio: ['pipe', 'pipe', 'pipe'], env});
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
	child.on('exit', (code) => code && code !== 0 && process.stderr.write(`${argv.join(' ')} exited ${code}: ${stderr}\n`));
	return {child, lines: createInterface({input: child.stdout!})[Symbol.asyncIterator]()};
}

async function nextLine(proc: Proc): Promise<string> {
	const {value, done} = await proc.lines.next();
	if (done) throw new Error('process ended early');
	return value;
}

const worker = (argv: string[]) => start(process.execPath, ['--import', 'tsx', join(HERE, 'ingest-speed-worker.ts'), ...argv]);

interface Run {
	mode: string;
	msgPerS: number;
	lost: number;
	duplicated: number;
	cpuUsPerMsg: Record<string, number>;
	/** --latency: send → ✓ in ms. */
	p50Ms?: number;
	p99Ms?: number;
}

async function withDatabase<T>(pgUrl: (db: string) => string, body: (url: string) => Promise<T>): Promise<T> {
	const admin = new pg.Client(pgUrl('postgres'));
	await admin.connect();
	const name = `bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
	await admin.query(`CREATE DATABASE ${name}`);
	try {
		return await body(pgUrl(name));
	} finally {
		await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
		await admin.end();
	}
}

async function countRows(url: string, expected: number): Promise<{lost: number; duplicated: number}> {
	const db = new pg.Client(url);
	await db.connect();
	const {rows} = await db.query<{n: number; distinct_n: number}>(
		"SELECT count(*)::int AS n, count(DISTINCT (sender_id, message_id))::int AS distinct_n FROM chat_messages WHERE sender_id LIKE 'p%'");
	await db.end();
	return {lost: expected - rows[0]!.distinct_n, duplicated: rows[0]!.n - rows[0]!.distinct_n};
}

/**
 * One measured run: start the consumer (an ingester build or a baseline sink), the publishers,
 * say go, wait for the end marker (every ✓, or every message at the sink), snapshot CPU.
 */
interface Ctx {
	mqttUrl: string;
	/** The broker URL a client logs in with (`ingester`, `p0` …; no credentials without --dynsec). */
	urlFor(user: string): string;
	/** --dynsec: set the `hermes-ingester` role to this checkout's (`dir`) ingesterRole. */
	useIngesterRoleOf?(dir: string): Promise<void>;
	brokerPid: number;
	pgData: string;
	pgUrl: (db: string) => string;
}

async function measure(mode: string, ctx: Ctx, consumer: 'passthrough' | 'insert' | {dir: string; flags: string[]}): Promise<Run> {
	const MESSAGES = consumer === 'insert' ? INSERT_MESSAGES : ALL_MESSAGES;
	return withDatabase(ctx.pgUrl, async (databaseUrl) => {
		const base = DYNSEC ? DYNSEC_BASE : `b${Date.now().toString(36)}/messages`;
		if (typeof consumer === 'object') await ctx.useIngesterRoleOf?.(consumer.dir);
		if (PG_STATEMENTS) await oneQuery(databaseUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
		let consumerProc: Proc;
		if (typeof consumer === 'object') {
			const nodeArgs = [...(process.env.INGESTER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...consumer.flags.filter((f) => f.startsWith('node:')).map((f) => f.slice('node:'.length))];
			consumerProc = start(process.execPath, [...nodeArgs, join(consumer.dir, 'dist/cli/main.js'), 'ingest', '--mqtt-url', ctx.urlFor('ingester'), '--database-url', databaseUrl, '--topic', base, '--stats-refresh-ms', '0', '--shared-group', SHARED_GROUP, ...consumer.flags.filter((f) => !f.startsWith('node:'))], {...process.env, LOG_LEVEL: 'info'});
			// Ready once it logged "subscribed" (JSON logs on stderr).
			await new Promise<void>((resolveReady, reject) => {
				let seen = '';
				consumerProc.child.stderr!.on('data', (chunk: Buffer) => {
					seen += chunk.toString();
					if (seen.includes('"subscribed"')) resolveReady();
				});
				consumerProc.child.once('exit', () => reject(new Error(`ingester exited: ${seen.slice(-2000)}`)));
			});
		} else {
			if (consumer === 'insert') {
				// The table the one-INSERT sink writes: this checkout's migrations.
				execFileSync(process.execPath, [join(HERE, '../dist/cli/main.js'), 'migrate', '--database-url', databaseUrl], {stdio: 'pipe'});
			}
			consumerProc = worker(['sink', ctx.urlFor('ingester'), base, String(MESSAGES), consumer, databaseUrl]);
			await nextLine(consumerProc);
		}
		const publisherCount = LATENCY ? 1 : PUBLISHERS;
		const perPublisher = Math.ceil(MESSAGES / publisherCount);
		const awaitReceipts = typeof consumer === 'object' ? '1' : '0';
		const publishers = Array.from({length: publisherCount}, (_, k) =>
			worker(['publisher', ctx.urlFor(`p${k}`), base, `p${k}`, String(Math.min(perPublisher, MESSAGES - k * perPublisher)), awaitReceipts, LATENCY ? '200' : '0']));
		for (const p of publishers) await nextLine(p);
		const pgPids = postgresPids(ctx.pgData);
		const before = {consumer: cpuOf([consumerProc.child.pid!]), broker: cpuOf([ctx.brokerPid]), postgres: cpuOf(pgPids)};
		const startedAt = performance.now();
		for (const p of [...publishers, consumerProc]) p.child.stdin!.write('go\n');
		const publisherResults = await Promise.all(publishers.map(async (p) => JSON.parse(await nextLine(p)) as {cpuUs: number; republished: number; p50Ms?: number; p99Ms?: number}));
		const sinkResult = typeof consumer === 'object' ? undefined : (JSON.parse(await nextLine(consumerProc)) as {cpuUs: number});
		const ms = performance.now() - startedAt;
		const after = {consumer: cpuOf([consumerProc.child.pid!]), broker: cpuOf([ctx.brokerPid]), postgres: cpuOf(postgresPids(ctx.pgData))};
		if (typeof consumer === 'object') {
			const exited = new Promise((r) => consumerProc.child.once('exit', r));
			consumerProc.child.kill('SIGTERM');
			await exited;
		}
		if (PG_STATEMENTS && typeof consumer === 'object') await printStatements(databaseUrl, mode, MESSAGES);
		const {lost, duplicated} = consumer === 'passthrough' ? {lost: 0, duplicated: 0} : await countRows(databaseUrl, MESSAGES);
		const per = (us: number) => Math.round((us / MESSAGES) * 10) / 10;
		const cpuUsPerMsg = {
			publishers: per(publisherResults.reduce((s, r) => s + r.cpuUs, 0)),
			consumer: per(sinkResult?.cpuUs ?? after.consumer - before.consumer),
			mosquitto: per(after.broker - before.broker),
			postgres: per(after.postgres - before.postgres),
			total: 0,
		};
		cpuUsPerMsg.total = Math.round((cpuUsPerMsg.publishers + cpuUsPerMsg.consumer + cpuUsPerMsg.mosquitto + cpuUsPerMsg.postgres) * 10) / 10;
		const republished = publisherResults.reduce((s, r) => s + r.republished, 0);
		if (republished > 0) process.stderr.write(`${mode}: ${republished} re-published\n`);
		return {mode, msgPerS: Math.round((MESSAGES / ms) * 1000), lost, duplicated, cpuUsPerMsg, ...(LATENCY ? {p50Ms: publisherResults[0]!.p50Ms, p99Ms: publisherResults[0]!.p99Ms} : {})};
	});
}

async function oneQuery(url: string, sql: string): Promise<pg.QueryResult[]> {
	const db = new pg.Client(url);
	await db.connect();
	try {
		return ([] as pg.QueryResult[]).concat(await db.query(sql));
	} finally {
		await db.end();
	}
}

/** The statements of this run's database by total time, µs per message (BENCH_PG_STATEMENTS=1). */
async function printStatements(url: string, mode: string, messages: number): Promise<void> {
	const [result] = await oneQuery(url, `SELECT calls, round((total_exec_time + total_plan_time) * 1000 / ${messages})::int AS us_per_msg, round(mean_exec_time::numeric, 2) AS mean_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 12`);
	process.stderr.write(`${mode}: statements\n${result!.rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
	mkdirSync(TMP, {recursive: true});
	const broker = await startPrivateBroker(PORT, TMP, {dynsec: DYNSEC});
	const passwords = new Map<string, string>();
	let control: DynsecControl | undefined;
	if (DYNSEC) {
		const adminUrl = broker.adminUrl!;
		const ingesterPassword = `ingester-${randomUUID()}`;
		passwords.set('ingester', ingesterPassword);
		await setupDynsec({adminUrl, topicBase: DYNSEC_BASE, sharedGroup: SHARED_GROUP, ingester: {username: 'ingester', password: ingesterPassword}, logger: silentLogger()});
		const accounts = await createDynsecBackend({adminUrl, topicBase: DYNSEC_BASE, logger: silentLogger()});
		for (let k = 0; k < PUBLISHERS; k++) {
			const password = `p${k}-${randomUUID()}`;
			await accounts.create(`p${k}`, password);
			passwords.set(`p${k}`, password);
		}
		await accounts.close();
		control = await connectDynsecControl({adminUrl});
	}
	const urlFor = (user: string) => (passwords.has(user) ? broker.url.replace('mqtt://', `mqtt://${user}:${passwords.get(user)}@`) : broker.url);
	const useIngesterRoleOf = async (dir: string) => {
		const roles = (await import(join(dir, 'dist/live/dynsec-roles.js'))) as typeof import('../src/live/dynsec-roles.js');
		const [answer] = await control!.run([{command: 'modifyRole', ...roles.ingesterRole(DYNSEC_BASE, SHARED_GROUP)}]);
		if (answer?.error) throw new Error(`modifyRole: ${answer.error}`);
	};
	const brokerPid = Number(execFileSync('pgrep', ['-f', `mosquitto -c ${TMP}/mosquitto-${PORT}-`]).toString().trim().split('\n')[0]);
	const postgres = startPostgres(PORT + 1);
	const loadBefore = loadavg();
	const runs: Run[] = [];
	try {
		const ctx: Ctx = {mqttUrl: broker.url, urlFor, ...(control ? {useIngesterRoleOf} : {}), brokerPid, pgData: postgres.dataDir, pgUrl: postgres.url};
		for (let round = 1; round <= ROUNDS; round++) {
			// Interleaved: every mode once per round, so load changes hit all of them alike.
			const modes: Array<[string, 'passthrough' | 'insert' | {dir: string; flags: string[]}]> = [
				...(LATENCY ? [] : [['broker pass-through 1 → 1', 'passthrough'] as [string, 'passthrough']]),
				...variants.map((v): [string, {dir: string; flags: string[]}] => [`ingest: ${v.name}`, v]),
				...(LATENCY || args.includes('--skip-insert') ? [] : [['one INSERT per message', 'insert'] as [string, 'insert']]),
			];
			// Order rotated per round: a mode does not always run right after the same other one.
			const rotated = [...modes.slice((round - 1) % modes.length), ...modes.slice(0, (round - 1) % modes.length)];
			for (const [mode, consumer] of rotated) {
				const run = await measure(mode, ctx, consumer);
				runs.push(run);
				process.stderr.write(`round ${round}: ${JSON.stringify(run)}\n`);
			}
		}
	} finally {
		await control?.close();
		await broker.stop();
		postgres.stop();
	}
	const modes = [...new Set(runs.map((r) => r.mode))];
	const passthrough = median(runs.filter((r) => r.mode.startsWith('broker')).map((r) => r.msgPerS));
	const insert = median(runs.filter((r) => r.mode.startsWith('one INSERT')).map((r) => r.msgPerS));
	const table = modes.map((mode) => {
		const mine = runs.filter((r) => r.mode === mode);
		const rate = median(mine.map((r) => r.msgPerS));
		const cpu = Object.fromEntries(Object.keys(mine[0]!.cpuUsPerMsg).map((k) => [k, median(mine.map((r) => r.cpuUsPerMsg[k]!))]));
		const latency = LATENCY ? {p50Ms: median(mine.map((r) => r.p50Ms!)), p99Ms: median(mine.map((r) => r.p99Ms!)), p99MsRounds: mine.map((r) => r.p99Ms)} : {};
		return {mode, ...latency, msgPerS: rate, xBroker: Math.round((rate / passthrough) * 100) / 100, xOneInsert: insert ? Math.round((rate / insert) * 10) / 10 : undefined,
			lost: mine.reduce((s, r) => s + r.lost, 0), duplicated: mine.reduce((s, r) => s + r.duplicated, 0), cpuUsPerMsg: cpu, rounds: mine.map((r) => r.msgPerS)};
	});
	const result = {messages: MESSAGES, publishers: PUBLISHERS, rounds: ROUNDS, loadavgBefore: loadBefore, loadavgAfter: loadavg(), table};
	writeFileSync(join(TMP, `ingest-speed-${Date.now()}.json`), JSON.stringify(result, null, 2));
	console.log(JSON.stringify(result, null, 2));
}

await main();
