// The embedded hub at scale (issue 12, outcome 5): a fresh hub started as `hermes-chat hub start`
// would be (its own process, HERMES_HOME, ports and the daemon's environment), then cold start, RSS, three successive bursts of
// 20,000 messages (publishers log in with the hub secret, as real clients do), a history page
// during each burst, lost/duplicated counted from the stored rows; baseline in the same rounds: the
// private stack (private Mosquitto + private PostgreSQL + `hermes-chat ingest`, its own process).
// Benchmarks are tools, not product code: they may import mqtt and pg directly. Needs `npm run build`.
import {spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {loadavg} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import mqtt, {type MqttClient} from 'mqtt';
import pg from 'pg';
import {hubProcessEnv} from '../src/hub/daemon.js';
import {HUB_OWNER} from '../src/hub/hub-secret.js';
import {percentile, round} from './lib.js';
import type {PageReaderCommand, PageReaderConfig, PageReaderReport} from './page-reader.js';
import {nextMessage, spawnScript} from './procs.js';
import type {BenchSectionRunner, BenchServices} from './section.js';

/** The CLI to start (env BENCH_HUB_CLI: another build, e.g. to measure an older commit in the same conditions). */
const CLI = process.env.BENCH_HUB_CLI ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
/** Messages per burst (env BENCH_HUB_MESSAGES, default 20,000). */
const MESSAGES = Number(process.env.BENCH_HUB_MESSAGES ?? 20_000);
/** Successive bursts on one fresh hub (env BENCH_HUB_BURSTS, default 3). */
const BURSTS = Number(process.env.BENCH_HUB_BURSTS ?? 3);
/** Rounds, each a fresh hub and a fresh private stack (env BENCH_HUB_ROUNDS, default 3). */
const ROUNDS = Number(process.env.BENCH_HUB_ROUNDS ?? 3);
/** Publishing clients per burst, each keeping at most WINDOW messages unconfirmed (like an outbox). */
const PUBLISHERS = Number(process.env.BENCH_HUB_PUBLISHERS ?? 4);
const WINDOW = Number(process.env.BENCH_HUB_WINDOW ?? 250);
/** Pause between two history pages read during a burst, in ms (a user scrolling, not a flood). */
const PAGE_PAUSE_MS = 20;
const PAGE_SIZE = 50;
/** Development switches: BENCH_HUB_PAGES=0 reads no pages during bursts; BENCH_HUB_STACK=0 skips the baseline. */
const READ_PAGES = process.env.BENCH_HUB_PAGES !== '0';
const RUN_STACK = process.env.BENCH_HUB_STACK !== '0';
const PEER = 'hbpeer';

/** One burst: throughput and the history pages read while it ran. */
interface BurstFigures {
	messagesPerSecond: number;
	ms: number;
	pageP50Ms: number;
	pageP95Ms: number;
	pages: number;
}

/** One round of the hub: a fresh hub, its start, its bursts and what is stored afterwards. */
interface HubRound {
	coldStartMs: number;
	rssAfterStartMb: number;
	rssAfterBurstsMb: number;
	peakRssMb: number;
	bursts: BurstFigures[];
	lost: number;
	duplicated: number;
}

interface StackRound {
	burst: BurstFigures;
	lost: number;
	duplicated: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** VmRSS and VmHWM (peak) of `pid`, in MB (Linux /proc). */
async function rssOf(pid: number): Promise<{rss: number; peak: number}> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
	return {rss: round(kb('VmRSS') / 1024, 1), peak: round(kb('VmHWM') / 1024, 1)};
}

/** Spawn `node dist/cli/main.js …args` with `env` added; its stderr is kept for errors. */
function spawnCli(args: string[], env: Record<string, string>): {child: ChildProcess; output: () => string} {
	const child = spawn(process.execPath, [...(process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, ...args], {env: {...process.env, LOG_LEVEL: 'warn', ...env}, stdio: ['ignore', 'ignore', 'pipe']});
	let output = '';
	child.stderr!.on('data', (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-4_000);
		if (process.env.BENCH_HUB_ECHO) process.stderr.write(chunk);
	});
	return {child, output: () => output};
}

/** SIGTERM (the drain), then SIGKILL after 30 s; resolves on exit. */
async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
	await exited;
	clearTimeout(timer);
}

/** A fresh hub process: resolves once `{home}/hub.json` says ready (the cold start). */
async function startHubProcess(home: string, ports: {mqtt: number; pg: number}) {
	const started = performance.now();
	// The environment `hermes-chat hub start` (and a client's auto-start) gives the hub (daemon.ts):
	// glibc's arena cap and thresholds and V8's --max-semi-space-size in NODE_OPTIONS, each unless
	// set; set them (e.g. MALLOC_ARENA_MAX=16, NODE_OPTIONS=--max-semi-space-size=16) to measure without.
	const env = hubProcessEnv(process.env, home) as Record<string, string>;
	const {child, output} = spawnCli(['hub', '--mqtt-port', String(ports.mqtt), '--pg-port', String(ports.pg)], env);
	for (;;) {
		if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}: ${output()}`);
		const record = await readFile(join(home, 'hub.json'), 'utf8').then((text) => JSON.parse(text) as {state: string; mqtt_port: number; pg_port: number; topic_base: string}, () => undefined);
		if (record?.state === 'ready') {
			const coldStartMs = performance.now() - started;
			const secret = (await readFile(join(home, 'hub-secret'), 'utf8')).trim();
			const url = (scheme: string, port: number, user: string, path = '') => `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(secret)}@127.0.0.1:${port}${path}`;
			return {
				child,
				coldStartMs,
				topicBase: record.topic_base,
				mqttUrlFor: (user: string) => url('mqtt', record.mqtt_port, user),
				databaseUrlFor: (user: string) => url('postgres', record.pg_port, user, '/postgres'),
			};
		}
		if (performance.now() - started > 120_000) throw new Error(`the hub was not ready within 120 s: ${output()}`);
		await sleep(20);
	}
}

/**
 * `count` messages from PUBLISHERS senders to PEER at QoS 1 (MQTT 3.1.1), each sender keeping at
 * most WINDOW unconfirmed and re-publishing after 2 s without progress; resolves when every
 * `received_by_server` receipt has arrived. Meanwhile `whileRunning` reads history pages.
 */
async function burst(
	mqttUrlFor: (user: string) => string,
	base: string,
	senders: string[],
	tag: string,
	count: number,
	pages?: PageReader,
): Promise<BurstFigures> {
	const clients: MqttClient[] = await Promise.all(
		senders.map(async (sender) => {
			const client = await mqtt.connectAsync(mqttUrlFor(sender), {protocolVersion: 4, clean: true, clientId: `${sender}-${tag}-${randomUUID().slice(0, 6)}`});
			(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
			await client.subscribeAsync(`${base}/${sender}/server`, {qos: 1});
			return client;
		}),
	);
	const perSender = Math.ceil(count / senders.length);
	const started = performance.now();
	pages?.start();
	await Promise.all(
		clients.map((client, index) => {
			const sender = senders[index]!;
			const total = Math.min(perSender, count - index * perSender);
			const unconfirmed = new Map<string, string>();
			let next = 0;
			let confirmed = 0;
			const publish = (payload: string) => client.publish(`${base}/${PEER}/${sender}`, payload, {qos: 1});
			const fill = () => {
				while (next < total && unconfirmed.size < WINDOW) {
					const id = `${sender}-${tag}-${next++}`;
					const payload = JSON.stringify({type: 'message', message_id: id, sender_id: sender, sender_name: 'Bench', receiver_id: PEER, content: `hub benchmark ${id}`, timestamp: new Date().toISOString()});
					unconfirmed.set(id, payload);
					publish(payload);
				}
			};
			return new Promise<void>((resolve) => {
				let lastProgress = performance.now();
				const stall = setInterval(() => {
					if (performance.now() - lastProgress < 2_000) return;
					lastProgress = performance.now();
					for (const payload of unconfirmed.values()) publish(payload);
				}, 500);
				client.on('message', (_topic, bytes) => {
					const id = String((JSON.parse(bytes.toString()) as {message_id: string}).message_id);
					if (!unconfirmed.delete(id)) return;
					confirmed++;
					lastProgress = performance.now();
					if (confirmed === total) {
						clearInterval(stall);
						resolve();
					} else fill();
				});
				fill();
			});
		}),
	);
	const ms = performance.now() - started;
	const pageMs = (await pages?.stop()) ?? [];
	await Promise.all(clients.map((client) => client.endAsync()));
	return {messagesPerSecond: Math.round(count / (ms / 1_000)), ms: Math.round(ms), pageP50Ms: round(percentile(pageMs, 50)), pageP95Ms: round(percentile(pageMs, 95)), pages: pageMs.length};
}

/** A reader of history pages in a process of its own (bench/page-reader.ts), started and stopped per burst. */
interface PageReader {
	start(): void;
	/** Stops reading; resolves with each page's time in ms. */
	stop(): Promise<number[]>;
}

/**
 * The newest page of `conversation` as `PEER` reads it (the store's own query) over `databaseUrl`,
 * from its own process: in this one, a page's reply waited behind the publishers' receipts.
 * Undefined when BENCH_HUB_PAGES=0. One process per burst (`stop` ends it).
 */
async function pageReader(databaseUrl: string, conversation: string): Promise<PageReader | undefined> {
	if (!READ_PAGES) return undefined;
	const config: PageReaderConfig = {databaseUrl, conversation, viewer: PEER, pageSize: PAGE_SIZE, pauseMs: PAGE_PAUSE_MS};
	const child = spawnScript(new URL('./page-reader.ts', import.meta.url), config);
	const report = await nextMessage<PageReaderReport>(child, (m) => m.type !== 'pages', 'page reader');
	if (report.type === 'failed') throw new Error(`page reader: ${report.error}`);
	return {
		start: () => child.child.send({type: 'start'} satisfies PageReaderCommand),
		async stop() {
			const pages = nextMessage<PageReaderReport>(child, (m) => m.type !== 'ready', 'page reader');
			child.child.send({type: 'stop'} satisfies PageReaderCommand);
			const done = await pages;
			await child.stop();
			if (done.type === 'failed') throw new Error(`page reader: ${done.error}`);
			return done.type === 'pages' ? done.ms : [];
		},
	};
}

/** Lost and duplicated among the `expected` messages of `senders` (from the stored rows). */
async function storedCounts(pool: pg.Pool, senders: string[], expected: number): Promise<{lost: number; duplicated: number}> {
	const {rows} = await pool.query<{total: string; distinct: string}>(
		'SELECT count(*) AS total, count(DISTINCT (sender_id, message_id)) AS distinct FROM chat_messages WHERE sender_id = ANY($1)',
		[senders],
	);
	const total = Number(rows[0]!.total);
	const distinct = Number(rows[0]!.distinct);
	return {lost: expected - distinct, duplicated: total - distinct};
}

const directId = (a: string, b: string) => [a, b].sort().join(':');

/** One hub round: fresh HERMES_HOME, start, BURSTS bursts, stored-row check, stop. */
async function hubRound(services: BenchServices, round: number, ports: {mqtt: number; pg: number}): Promise<HubRound> {
	const home = await mkdtemp(join(services.tmpDir, `hub-${round}-`));
	const hub = await startHubProcess(home, ports);
	const pid = hub.child.pid!;
	try {
		await sleep(500);
		const afterStart = await rssOf(pid);
		const senders = Array.from({length: PUBLISHERS}, (_, i) => `hb${round}s${i}`);
		const owner = new pg.Pool({connectionString: hub.databaseUrlFor(HUB_OWNER), max: 1});
		owner.on('error', () => undefined);
		try {
			const bursts: BurstFigures[] = [];
			for (let b = 0; b < BURSTS; b++) {
				const pages = await pageReader(hub.databaseUrlFor(PEER), directId(senders[0]!, PEER));
				bursts.push(await burst(hub.mqttUrlFor, hub.topicBase, senders, `b${b}`, MESSAGES, pages));
				services.log(`bench: hub round ${round + 1}, burst ${b + 1}: ${bursts.at(-1)!.messagesPerSecond} msg/s, page p95 ${bursts.at(-1)!.pageP95Ms} ms, RSS ${(await rssOf(pid)).rss} MB`);
			}
			const after = await rssOf(pid);
			const counts = await storedCounts(owner, senders, MESSAGES * BURSTS);
			return {coldStartMs: Math.round(hub.coldStartMs), rssAfterStartMb: afterStart.rss, rssAfterBurstsMb: after.rss, peakRssMb: after.peak, bursts, ...counts};
		} finally {
			await owner.end();
		}
	} finally {
		await stopChild(hub.child);
		await rm(home, {recursive: true, force: true});
	}
}

/** One private-stack round: a fresh database on the private PostgreSQL, `hermes-chat ingest`, one burst. */
async function stackRound(services: BenchServices, round: number): Promise<StackRound> {
	const name = `hermes_hubbench_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
	const admin = new pg.Client({connectionString: services.pgAdminUrl});
	await admin.connect();
	await admin.query(`CREATE DATABASE ${name}`);
	const url = new URL(services.pgAdminUrl);
	url.pathname = `/${name}`;
	const base = `hubbench${round}${randomUUID().slice(0, 6)}/messages`;
	const ingest = spawnCli(['ingest'], {MQTT_URL: services.mqttUrl, DATABASE_URL: url.toString(), MQTT_TOPIC: base});
	const pool = new pg.Pool({connectionString: url.toString(), max: 2});
	pool.on('error', () => undefined);
	try {
		const senders = Array.from({length: PUBLISHERS}, (_, i) => `sb${round}s${i}`);
		// Ready once a probe message is confirmed (migrations done, subscribed).
		await burst(() => services.mqttUrl, base, ['sbprobe'], 'probe', 1);
		const pages = await pageReader(url.toString(), directId(senders[0]!, PEER));
		const figures = await burst(() => services.mqttUrl, base, senders, 'b0', MESSAGES, pages);
		services.log(`bench: private stack round ${round + 1}: ${figures.messagesPerSecond} msg/s, page p95 ${figures.pageP95Ms} ms`);
		return {burst: figures, ...(await storedCounts(pool, senders, MESSAGES))};
	} finally {
		await pool.end();
		await stopChild(ingest.child);
		await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
		await admin.end();
	}
}

const median = (values: number[]) => round(percentile(values, 50), 2);

/**
 * The hub section: ROUNDS interleaved rounds of (fresh hub: BURSTS × MESSAGES) and (private stack:
 * one burst of MESSAGES), medians. Ports of the hub: env BENCH_HUB_MQTT_PORT / BENCH_HUB_PG_PORT
 * (default 0, any free port).
 */
export const runHubSection: BenchSectionRunner = async (services) => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
	const ports = {mqtt: Number(process.env.BENCH_HUB_MQTT_PORT ?? 0), pg: Number(process.env.BENCH_HUB_PG_PORT ?? 0)};
	const hubRounds: HubRound[] = [];
	const stackRounds: StackRound[] = [];
	const loadAverages: number[][] = [];
	for (let r = 0; r < ROUNDS; r++) {
		loadAverages.push(loadavg().map((l) => round(l)));
		hubRounds.push(await hubRound(services, r, ports));
		if (RUN_STACK) stackRounds.push(await stackRound(services, r));
	}
	const burstRates = (b: number) => hubRounds.map((h) => h.bursts[b]!.messagesPerSecond);
	const perBurst = Array.from({length: BURSTS}, (_, b) => median(burstRates(b)));
	const stackRate = median(stackRounds.map((s) => s.burst.messagesPerSecond));
	const hubRate = median(hubRounds.flatMap((h) => h.bursts.map((b) => b.messagesPerSecond)));
	const spread = round((Math.max(...perBurst) / Math.min(...perBurst) - 1) * 100, 1);
	const hubPageP95 = median(hubRounds.map((h) => Math.max(...h.bursts.map((b) => b.pageP95Ms))));
	const figures = {
		coldStartMs: median(hubRounds.map((h) => h.coldStartMs)),
		rssAfterStartMb: median(hubRounds.map((h) => h.rssAfterStartMb)),
		rssAfterBurstsMb: median(hubRounds.map((h) => h.rssAfterBurstsMb)),
		peakRssMb: median(hubRounds.map((h) => h.peakRssMb)),
		perBurst,
		spreadPercent: spread,
		hubRate,
		stackRate,
		ratio: round(hubRate / stackRate, 2),
		hubPageP50Ms: median(hubRounds.map((h) => Math.max(...h.bursts.map((b) => b.pageP50Ms)))),
		hubPageP95Ms: hubPageP95,
		stackPageP95Ms: median(stackRounds.map((s) => s.burst.pageP95Ms)),
		lost: hubRounds.reduce((sum, h) => sum + h.lost, 0),
		duplicated: hubRounds.reduce((sum, h) => sum + h.duplicated, 0),
		stackLost: stackRounds.reduce((sum, s) => sum + s.lost, 0),
		stackDuplicated: stackRounds.reduce((sum, s) => sum + s.duplicated, 0),
	};
	const markdown = [
		`### Embedded hub (fresh hub process; ${BURSTS} successive bursts of ${MESSAGES.toLocaleString('en-US')} messages, ${PUBLISHERS} publishers; medians of ${ROUNDS} rounds)`,
		'',
		'| figure | hub | baseline |',
		'| --- | --- | --- |',
		`| cold start (spawn → hub.json ready) | ${figures.coldStartMs} ms | — |`,
		`| RSS after start / after bursts / peak | ${figures.rssAfterStartMb} / ${figures.rssAfterBurstsMb} / ${figures.peakRssMb} MB | target ≤ 300 MB |`,
		...perBurst.map((rate, b) => `| burst ${b + 1} | ${rate} msg/s | ${b === 0 ? `private stack ${stackRate} msg/s` : `burst 1: ${perBurst[0]} msg/s`} |`),
		`| bursts, largest ÷ smallest − 1 | ${spread} % | target ≤ 20 % |`,
		`| hub ÷ private stack (all bursts) | ${figures.ratio}× | target ≥ 0.7× |`,
		`| history page during a burst, p50 / p95 (worst burst) | ${figures.hubPageP50Ms} / ${figures.hubPageP95Ms} ms | private stack p95 ${figures.stackPageP95Ms} ms |`,
		`| lost / duplicated (stored rows) | ${figures.lost} / ${figures.duplicated} | private stack ${figures.stackLost} / ${figures.stackDuplicated} |`,
		'',
		`Private stack: Mosquitto + PostgreSQL + \`hermes-chat ingest\` in its own process, a fresh database per round; load averages at each round ${loadAverages.map((l) => l.join('/')).join(', ')}.`,
		'',
	].join('\n');
	return {id: 'hub', markdown, data: {messages: MESSAGES, bursts: BURSTS, rounds: ROUNDS, publishers: PUBLISHERS, window: WINDOW, loadAverages, figures, hubRounds, stackRounds}};
};
