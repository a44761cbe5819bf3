// The measured modes of the ingest and scale-out sections: the same N messages through
//   pass-through  publishers → Mosquitto → one counting subscriber (no database);
//   echo          the same, plus one QoS 1 receipt published back per message (no database);
//   ingest        publishers → Mosquitto → `hermes-chat ingest` (1..n processes, one shared
//                 subscription) → rows committed, checked exactly once;
//   COPY          the same rows by `psql` COPY FROM STDIN;
//   one INSERT    the same rows, one autocommit INSERT each (the Hermes source system's way).
// Each mode reports elapsed ms, messages/s and CPU µs per message per process kind.
// COPY and one INSERT are in bench/sql-modes.ts.
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {loadavg} from 'node:os';
import {createInterface} from 'node:readline';
import pg from 'pg';
import {runMigrations} from '../src/store/migrate.js';
import {silentLogger} from '../src/log.js';
import type {PublisherConfig, PublisherReport} from './mqtt-publisher.js';
import type {SinkConfig, SinkReport} from './mqtt-sink.js';
import {clusterCpuUs, nextMessage, onCleanup, processCpuUs, spawnScript, spawnTracked, wallMs, type TrackedChild} from './procs.js';
import type {BenchServices} from './section.js';
import {benchMessage, shareOf} from './traffic.js';

/** The built CLI the ingester runs from (`npm run build`). */
export const CLI = new URL('../dist/cli/main.js', import.meta.url);
const PUBLISHER = new URL('./mqtt-publisher.ts', import.meta.url);
const SINK = new URL('./mqtt-sink.ts', import.meta.url);
/** Unacknowledged publishes per publisher: Mosquitto's max_inflight_messages (docker config). */
const WINDOW = 1_000;

/** One measured run of one mode. */
export interface ModeResult {
	mode: string;
	messages: number;
	/** First publish (or first row sent) → last delivery / echo PUBACK / commit, ms. */
	elapsedMs: number;
	perSecond: number;
	/** Ingest/COPY/INSERT: published (or sent) ids missing from the stored rows. */
	lost?: number;
	/** Ingest/COPY/INSERT: stored rows beyond one per id. */
	duplicated?: number;
	/** Pass-through/echo: messages that reached the subscriber (echo: receipts PUBACKed). */
	arrived?: number;
	/** CPU µs per message by process kind (ingester, publishers, mosquitto, postgres, sink, client). */
	cpuUsPerMessage: Record<string, number>;
	loadavg1: number;
	/** Extra facts (e.g. the ingester's own stats line). */
	notes?: Record<string, unknown>;
}

/** What every mode needs: the services, a migrated template database and the message count. */
export interface ModeContext {
	services: BenchServices;
	messages: number;
	publishers: number;
	template: string;
}

/**
 * A pg client whose connection errors surface at its next query instead of as an unhandled
 * 'error' event (clean-up drops databases WITH (FORCE) under it on Ctrl+C).
 */
export function quietClient(url: string): pg.Client {
	const client = new pg.Client({connectionString: url});
	client.on('error', () => undefined);
	return client;
}

/** Create database `name` with every migration applied, to be cloned per round (TEMPLATE). */
export async function createTemplate(services: BenchServices, name: string): Promise<void> {
	await admin(services, `CREATE DATABASE ${name}`);
	onCleanup(() => admin(services, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined));
	await runMigrations({databaseUrl: urlOf(services, name), logger: silentLogger()});
}

function urlOf(services: BenchServices, database: string): string {
	const url = new URL(services.pgAdminUrl);
	url.pathname = `/${database}`;
	return url.toString();
}

async function admin(services: BenchServices, sql: string): Promise<void> {
	const client = quietClient(services.pgAdminUrl);
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/** A fresh copy of the template for one round; dropped by `drop()` (and at clean-up). */
export async function freshDatabase(ctx: ModeContext): Promise<{url: string; drop(): Promise<void>}> {
	const name = `bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
	await admin(ctx.services, `CREATE DATABASE ${name} TEMPLATE ${ctx.template}`);
	const drop = () => admin(ctx.services, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
	const unregister = onCleanup(() => drop().catch(() => undefined));
	return {url: urlOf(ctx.services, name), drop: () => (unregister(), drop())};
}

/** CPU µs used so far by the private Mosquitto and the whole PostgreSQL cluster. */
export function cpuOf(services: BenchServices): {mosquitto: number; postgres: number} {
	return {
		mosquitto: services.mosquittoPid ? processCpuUs(services.mosquittoPid) : 0,
		postgres: services.postmasterPid ? clusterCpuUs(services.postmasterPid) : 0,
	};
}

/** Start the publisher processes (connected, payloads built) and wait until each says `ready`. */
async function startPublishers(ctx: ModeContext, topicBase: string, runId: string): Promise<TrackedChild[]> {
	const children = Array.from({length: ctx.publishers}, (_, publisher) => {
		const config: PublisherConfig = {mqttUrl: ctx.services.mqttUrl, topicBase, runId, publisher, count: shareOf(ctx.messages, ctx.publishers, publisher), window: WINDOW};
		return spawnScript(PUBLISHER, config);
	});
	await Promise.all(children.map((child, i) => nextMessage<{type: string}>(child, (m) => m.type === 'ready', `publisher ${i}`)));
	return children;
}

/** Say `go` to every publisher; resolves with their reports once all have been PUBACKed. */
async function publishAll(children: TrackedChild[]): Promise<PublisherReport[]> {
	const reports = children.map((child, i) => nextMessage<PublisherReport>(child, (m) => m.type === 'done', `publisher ${i}`));
	for (const child of children) child.child.send({type: 'go'});
	return Promise.all(reports);
}

/** µs per message, one decimal. */
export const perMessage = (us: number, messages: number) => Math.round((us / messages) * 10) / 10;

/** How long a sink waits with nothing new received or echoed before it reports what it has (ms). */
export const SINK_QUIET_MS = 5_000;

/** Pass-through (`count`) or echo: publishers → Mosquitto → one subscriber process, no database. */
export async function measureBroker(ctx: ModeContext, mode: 'count' | 'echo'): Promise<ModeResult> {
	const runId = randomUUID().slice(0, 6);
	const topicBase = `bench/${runId}`;
	const sinkConfig: SinkConfig = {mqttUrl: ctx.services.mqttUrl, topicBase, group: `g${runId}`, mode, expected: ctx.messages, quietMs: SINK_QUIET_MS};
	const sink = spawnScript(SINK, sinkConfig);
	await nextMessage<{type: string}>(sink, (m) => m.type === 'ready', 'subscriber');
	const publishers = await startPublishers(ctx, topicBase, runId);
	const before = cpuOf(ctx.services);
	const sinkDone = nextMessage<SinkReport>(sink, (m) => m.type === 'done', 'subscriber');
	const reports = await publishAll(publishers);
	const sinkReport = await sinkDone;
	const after = cpuOf(ctx.services);
	await Promise.all([sink.exited, ...publishers.map((p) => p.exited)]);
	const first = Math.min(...reports.map((r) => r.firstPublishAt));
	const elapsedMs = sinkReport.lastAt - first;
	const n = ctx.messages;
	return {
		mode: mode === 'count' ? 'pass-through' : 'echo',
		messages: n,
		elapsedMs: Math.round(elapsedMs),
		// What arrived (echo: was echoed) per second: a dropped message is not throughput.
		perSecond: Math.round(((mode === 'count' ? sinkReport.received : sinkReport.echoed) / elapsedMs) * 1000),
		arrived: mode === 'count' ? sinkReport.received : sinkReport.echoed,
		cpuUsPerMessage: {
			publishers: perMessage(reports.reduce((sum, r) => sum + r.cpuUs, 0), n),
			mosquitto: perMessage(after.mosquitto - before.mosquitto, n),
			subscriber: perMessage(sinkReport.cpuUs, n),
		},
		loadavg1: loadavg()[0]!,
	};
}

/** Start `hermes-chat ingest` (built CLI) and resolve once it logs `ingester running`. */
export async function startIngester(ctx: ModeContext, databaseUrl: string, topicBase: string, group: string): Promise<{child: TrackedChild; stopped: Promise<Record<string, unknown> | undefined>}> {
	const child = spawnTracked(process.execPath, [CLI.pathname, 'ingest', '--mqtt-url', ctx.services.mqttUrl, '--database-url', databaseUrl, '--topic', topicBase, '--shared-group', group, '--no-migrate'], {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: {...process.env, LOG_LEVEL: 'info'},
	});
	const tail: string[] = [];
	let onStats: (stats: Record<string, unknown> | undefined) => void = () => undefined;
	const stopped = new Promise<Record<string, unknown> | undefined>((resolve) => (onStats = resolve));
	void child.exited.then(() => onStats(undefined));
	const running = new Promise<void>((resolve, reject) => {
		createInterface({input: child.child.stderr!}).on('line', (line) => {
			tail.push(line);
			if (tail.length > 20) tail.shift();
			if (line.includes('"ingester running"')) resolve();
			if (line.includes('"ingester stopped"')) onStats((JSON.parse(line) as {stats?: Record<string, unknown>}).stats);
			if (/"level":(40|50|60)/.test(line)) ctx.services.log(`ingester: ${line.slice(0, 300)}`);
		});
		void child.exited.then((code) => reject(new Error(`hermes-chat ingest exited (${code}) before running:\n${tail.join('\n')}`)));
	});
	await running;
	return {child, stopped};
}

/**
 * Stored-row check: wait until every published id is stored or, once every publish has been
 * PUBACKed (`published` resolved), nothing new has been stored for `quietMs` (a loaded machine
 * can leave an ingester silent for seconds mid-run: only the end may time out).
 * @returns the wall-clock time the row count last grew (≈ the last commit; polled every 20 ms).
 */
async function awaitStored(client: pg.Client, expected: number, published: Promise<unknown>, quietMs = 30_000): Promise<{lastCommitAt: number; stored: number}> {
	let stored = -1;
	let lastCommitAt = wallMs();
	let publishedAt: number | undefined;
	void published.then(() => (publishedAt = wallMs()), () => (publishedAt = wallMs()));
	// max(seq) is one index probe; count(*) only near the end, where it decides.
	for (;;) {
		const {rows} = await client.query<{n: string}>('SELECT coalesce(max(seq), 0) AS n FROM chat_messages');
		const high = Number(rows[0]!.n);
		const count = high >= expected ? Number((await client.query<{n: string}>('SELECT count(*) AS n FROM chat_messages')).rows[0]!.n) : high;
		if (count !== stored) {
			stored = count;
			lastCommitAt = wallMs();
		}
		if (stored >= expected) return {lastCommitAt, stored};
		if (publishedAt !== undefined && wallMs() - Math.max(lastCommitAt, publishedAt) > quietMs) return {lastCommitAt, stored};
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** lost/duplicated of run `runId` in `chat_messages`: every published id stored exactly once. */
export async function exactlyOnce(client: pg.Client, ctx: ModeContext, runId: string): Promise<{lost: number; duplicated: number}> {
	const {rows} = await client.query<{rows: string; ids: string}>(
		`SELECT count(*) AS rows, count(DISTINCT (sender_id, message_id)) AS ids FROM chat_messages WHERE message_id LIKE $1`, [`${runId}-%`]);
	const stored = Number(rows[0]!.rows);
	const ids = Number(rows[0]!.ids);
	return {lost: ctx.messages - ids, duplicated: stored - ids};
}

/** `ingesters` × `hermes-chat ingest` in one shared subscription group, on a fresh database. */
export async function measureIngest(ctx: ModeContext, ingesters: number): Promise<ModeResult> {
	const runId = randomUUID().slice(0, 6);
	const topicBase = `bench/${runId}`;
	const database = await freshDatabase(ctx);
	const watcher = quietClient(database.url);
	try {
		const started = await Promise.all(Array.from({length: ingesters}, () => startIngester(ctx, database.url, topicBase, `hermes-ingest-${runId}`)));
		await watcher.connect();
		const publishers = await startPublishers(ctx, topicBase, runId);
		const before = {...cpuOf(ctx.services), ingesters: started.map((s) => processCpuUs(s.child.pid))};
		const reportsPromise = publishAll(publishers);
		const {lastCommitAt} = await awaitStored(watcher, ctx.messages, reportsPromise);
		const reports = await reportsPromise;
		const after = {...cpuOf(ctx.services), ingesters: started.map((s) => processCpuUs(s.child.pid))};
		const {lost, duplicated} = await exactlyOnce(watcher, ctx, runId);
		await Promise.all(started.map((s) => s.child.stop(30_000)));
		const stats = await Promise.all(started.map((s) => s.stopped));
		const first = Math.min(...reports.map((r) => r.firstPublishAt));
		const elapsedMs = lastCommitAt - first;
		const n = ctx.messages;
		const ingesterUs = after.ingesters.map((us, i) => us - before.ingesters[i]!);
		return {
			mode: ingesters === 1 ? 'hermes-chat ingest' : `${ingesters} × hermes-chat ingest`,
			messages: n,
			elapsedMs: Math.round(elapsedMs),
			// Rows stored once per second: lost messages are not throughput.
			perSecond: Math.round(((n - lost) / elapsedMs) * 1000),
			lost,
			duplicated,
			cpuUsPerMessage: {
				ingester: perMessage(ingesterUs.reduce((a, b) => a + b, 0), n),
				publishers: perMessage(reports.reduce((sum, r) => sum + r.cpuUs, 0), n),
				mosquitto: perMessage(after.mosquitto - before.mosquitto, n),
				postgres: perMessage(after.postgres - before.postgres, n),
			},
			loadavg1: loadavg()[0]!,
			notes: {
				ingesterCpuSharePerProcess: ingesterUs.map((us) => Math.round((us / 1000 / elapsedMs) * 100) / 100),
				ingesterStats: stats.map((s) => s && {received: s.received, ignored: s.ignored, messages: s.messages, batches: s.batches}),
			},
		};
	} finally {
		await watcher.end().catch(() => undefined);
		await database.drop();
	}
}

/** Why the ingest modes cannot run (no built CLI), or undefined. */
export function ingestProblem(): string | undefined {
	return existsSync(CLI) ? undefined : `${CLI.pathname} is missing: run \`npm run build\` first`;
}
