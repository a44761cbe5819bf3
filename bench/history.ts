// History at scale (issue 12, outcome 4): the conversation list of a user in 1,000 conversations
// as the client loads it (its first page, a keyset page deep in the list, the background walk's
// last page; and the 500 rows at once the client loaded before, as the same run's baseline) and
// history pages (newest, 50,000 deep) in a table of 1,000,000 messages, through the store's
// own functions exactly as the client calls them. Three connections, interleaved query by query
// with the order rotated each round: the owner with the server's default settings (JIT on — how
// the owner/legacy URL connected before), the owner as the client connects now, and the viewer's
// own account role as the client connects (row-level security: what production uses).
// Per round and connection: p50/p99 of each query kind; reported: the medians over rounds, plus
// EXPLAIN (ANALYZE, BUFFERS) of each statement per connection. Data: bench/history-seed.ts.
import {randomUUID} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {loadavg} from 'node:os';
import pg from 'pg';
import {createPostgresAccountBackend} from '../src/store/accounts.js';
import {CLIENT_SESSION, openDb, type Db} from '../src/store/db.js';
import {CONVERSATIONS_QUERY, conversationPageParams, FIRST_LIST_PAGE, loadConversationPage, loadConversations, type ListCursor} from '../src/store/history-people.js';
import {MORE_LIST_PAGE} from '../src/client/list-walk.js';
import {loadLatestPage, loadOlderPage, PAGE_QUERIES} from '../src/store/history.js';
import {percentile, round} from './lib.js';
import type {BenchSection, BenchSectionRunner, BenchServices} from './section.js';
import {BIG_SHARE, seedHistory, type HistorySeed} from './history-seed.js';

/** Messages stored (BENCH_HISTORY_MESSAGES, default 1,000,000). */
const MESSAGES = Number(process.env.BENCH_HISTORY_MESSAGES ?? 1_000_000);
/** Measured rounds (BENCH_HISTORY_ROUNDS, default 3, at least 3) after one unmeasured round. */
const ROUNDS = Math.max(3, Number(process.env.BENCH_HISTORY_ROUNDS ?? 3));
// The owner-with-JIT baseline spends seconds per list call: 40 calls a round took ~8 min a round.
/** Calls of each query kind per connection and round (BENCH_HISTORY_CALLS, default 10). */
const CALLS = Number(process.env.BENCH_HISTORY_CALLS ?? 10);
/** The client's page size (src/client/chat-client.ts asks for 50). */
const PAGE = 50;
/** Rows before the deep keyset page of the list. */
const LIST_DEPTH = 900;
/** The goal (issue 12 outcome 4), ms. */
const GOAL_P99_MS = 5;

type ConnectionName = 'owner, server defaults (JIT on)' | 'owner, as the client connects' | 'member role (RLS), as the client connects';

/** One query kind × connection: medians over rounds of each round's p50/p99, in ms. */
export interface HistoryRow {
	query: string;
	connection: ConnectionName;
	/** Rows the query returned (the same for every connection, else the run fails). */
	rows: number;
	p50Ms: number;
	p99Ms: number;
	/** Every round's [p50, p99]. */
	rounds: Array<[number, number]>;
	/**
	 * CPU time of the PostgreSQL backend per call (median over rounds; /proc/<pid>/schedstat, ns
	 * precision), in ms: what the query costs the server whatever the machine's load, which on a
	 * shared machine inflates the wall times above. null when /proc is not readable.
	 */
	serverCpuMs: number | null;
}

interface Probe {
	name: string;
	run: (db: Db) => Promise<number>;
	sql: string;
	params: unknown[];
	/**
	 * The statement runs with the table owner's rights whoever calls (the list: migration 012's
	 * SECURITY DEFINER function runs `sql`), so its plan is EXPLAINed on the owner's connection.
	 */
	ownerRights?: boolean;
}

/**
 * The section: seed a fresh database `hermes_history_<random>` on the private cluster (or reuse
 * `options.databaseName` when it holds a finished seed: development reruns), then measure.
 */
export const historySection: BenchSectionRunner = (services) => runHistory(services);

/** {@link historySection} with development options (keep the database to rerun without seeding). */
export async function runHistory(services: BenchServices, options: {databaseName?: string; keep?: boolean} = {}): Promise<BenchSection> {
	const admin = new pg.Client({connectionString: services.pgAdminUrl});
	await admin.connect();
	const name = options.databaseName ?? `hermes_history_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
	const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
	if (!exists) await admin.query(`CREATE DATABASE ${name}`);
	const url = new URL(services.pgAdminUrl);
	url.pathname = `/${name}`;
	const databaseUrl = url.toString();
	// Roles are cluster-wide: the viewer's name is fixed per database so a kept one can be reused.
	const viewer = `hist_${name.slice(-8)}`;
	try {
		let seed = exists ? await readSeed(databaseUrl) : undefined;
		let seedSeconds = 0;
		if (!seed) {
			const started = performance.now();
			services.log(`history: seeding ${MESSAGES.toLocaleString('en-US')} messages into ${name}…`);
			seed = await seedHistory(databaseUrl, viewer, MESSAGES, services.log);
			const accounts = createPostgresAccountBackend({databaseUrl});
			await accounts.create(viewer, `bench-${randomUUID()}`).finally(() => accounts.close());
			await admin.query(`COMMENT ON DATABASE ${name} IS '${JSON.stringify(seed)}'`);
			seedSeconds = round((performance.now() - started) / 1000, 1);
		}
		services.log(`history: ${ROUNDS} rounds × ${CALLS} calls per query kind and connection…`);
		const measured = await measure(databaseUrl, viewer, seed, services.log);
		const data = {messages: seed.messages, viewerConversations: seed.viewerConversations, seedSeconds, rounds: ROUNDS, callsPerRound: CALLS, ...measured};
		return {id: 'history', markdown: historyMarkdown(data), data};
	} finally {
		if (!options.keep && !options.databaseName) {
			await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
			await admin.query(`DROP ROLE IF EXISTS "${viewer}"`).catch(() => undefined);
		} else services.log(`history: kept database ${name} (rerun with BENCH_HISTORY_DATABASE=${name})`);
		await admin.end();
	}
}

/** Nanoseconds `pid` has run on a CPU (first field of /proc/<pid>/schedstat), or null. */
async function backendCpuNs(pid: number): Promise<number | null> {
	try {
		return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]);
	} catch {
		return null;
	}
}

async function readSeed(databaseUrl: string): Promise<HistorySeed | undefined> {
	const client = new pg.Client({connectionString: databaseUrl});
	await client.connect();
	try {
		const {rows} = await client.query<{comment: string | null}>('SELECT shobj_description(oid, \'pg_database\') AS comment FROM pg_database WHERE datname = current_database()');
		return rows[0]?.comment ? (JSON.parse(rows[0].comment) as HistorySeed) : undefined;
	} finally {
		await client.end();
	}
}

async function measure(databaseUrl: string, viewer: string, seed: HistorySeed, log: (line: string) => void) {
	const memberUrl = new URL(databaseUrl);
	memberUrl.username = viewer;
	memberUrl.password = '';
	// One connection each, as the client's reads run one at a time.
	const connections: Array<[ConnectionName, Db]> = [
		['owner, server defaults (JIT on)', openDb({databaseUrl, max: 1})],
		['owner, as the client connects', openDb({databaseUrl, max: 1, ...CLIENT_SESSION})],
		['member role (RLS), as the client connects', openDb({databaseUrl: memberUrl.toString(), max: 1, ...CLIENT_SESSION})],
	];
	try {
		const owner = connections[1]![1];
		// The seq that starts a page 50,000 messages deep in the big chat.
		// (Fewer when a small BENCH_HISTORY_MESSAGES leaves the chat shorter than twice that.)
		const depth = Math.min(50_000, Math.floor(seed.messages / BIG_SHARE / 2));
		const deep = await owner.query<{seq: string}>('SELECT seq FROM chat_messages WHERE conversation_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1', [seed.big, depth]);
		const deepSeq = Number(deep.rows[0]!.seq);
		// Keyset cursors deep in the list, as the client's walk reaches them (the owner's walk: the
		// member sees the same rows, which the row check below holds them to).
		const cursorAt = async (rows: number): Promise<ListCursor> => (await loadConversationPage(owner, viewer, rows)).next!;
		const deepCursor = await cursorAt(LIST_DEPTH);
		const backgroundCursor = await cursorAt(seed.viewerConversations - MORE_LIST_PAGE);
		const probes: Probe[] = [
			{name: `conversation list: first page of ${FIRST_LIST_PAGE} (of ${seed.viewerConversations}), as the client loads it`, run: async (db) => (await loadConversationPage(db, viewer, FIRST_LIST_PAGE)).conversations.length, ownerRights: true, sql: CONVERSATIONS_QUERY, params: conversationPageParams(viewer, FIRST_LIST_PAGE)},
			{name: `conversation list: keyset page of ${FIRST_LIST_PAGE}, ${LIST_DEPTH} deep`, run: async (db) => (await loadConversationPage(db, viewer, FIRST_LIST_PAGE, deepCursor)).conversations.length, ownerRights: true, sql: CONVERSATIONS_QUERY, params: conversationPageParams(viewer, FIRST_LIST_PAGE, deepCursor)},
			{name: `conversation list: the background walk's last page of ${MORE_LIST_PAGE}`, run: async (db) => (await loadConversationPage(db, viewer, MORE_LIST_PAGE, backgroundCursor)).conversations.length, ownerRights: true, sql: CONVERSATIONS_QUERY, params: conversationPageParams(viewer, MORE_LIST_PAGE, backgroundCursor)},
			{name: 'conversation list: first 500 at once (how the client loaded it before)', run: async (db) => (await loadConversations(db, viewer, 500)).length, ownerRights: true, sql: CONVERSATIONS_QUERY, params: conversationPageParams(viewer, 500)},
			{name: `newest page (direct chat of ${Math.floor(seed.messages / BIG_SHARE).toLocaleString('en-US')})`, run: async (db) => (await loadLatestPage(db, seed.big, PAGE, viewer)).messages.length, sql: PAGE_QUERIES.latest, params: [seed.big, PAGE + 1, viewer]},
			{name: `page ${depth.toLocaleString('en-US')} deep (same chat)`, run: async (db) => (await loadOlderPage(db, seed.big, deepSeq, PAGE, viewer)).messages.length, sql: PAGE_QUERIES.older, params: [seed.big, deepSeq, PAGE + 1, viewer]},
			{name: 'newest page (room of 10)', run: async (db) => (await loadLatestPage(db, seed.room, PAGE, viewer)).messages.length, sql: PAGE_QUERIES.latest, params: [seed.room, PAGE + 1, viewer]},
		];
		const times = new Map<string, number[][]>();
		const rowsOf = new Map<string, number>();
		const cpu = new Map<string, number[]>();
		for (let round = -1; round < ROUNDS; round++) {
			for (const probe of probes) {
				// Rotate which connection goes first, so none always runs on the warmest cache.
				const order = connections.map((_, i) => connections[(i + round + 1) % connections.length]!);
				for (const [connection, db] of order) {
					const key = `${probe.name}\u0000${connection}`;
					const samples: number[] = [];
					const pid = (await db.query<{pid: number}>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
					const cpuBefore = await backendCpuNs(pid);
					for (let call = 0; call < CALLS; call++) {
						const started = performance.now();
						const rows = await probe.run(db);
						samples.push(performance.now() - started);
						const seen = rowsOf.get(probe.name);
						if (seen !== undefined && seen !== rows) throw new Error(`${probe.name}: ${connection} returned ${rows} rows, another connection ${seen}`);
						rowsOf.set(probe.name, rows);
					}
					const cpuAfter = await backendCpuNs(pid);
					if (round >= 0) {
						times.set(key, [...(times.get(key) ?? []), samples]);
						if (cpuBefore !== null && cpuAfter !== null) cpu.set(key, [...(cpu.get(key) ?? []), (cpuAfter - cpuBefore) / 1e6 / CALLS]);
					}
				}
			}
			log(`history: round ${round + 1}/${ROUNDS} done${round < 0 ? ' (warm-up, not counted)' : ''}`);
		}
		const rows: HistoryRow[] = probes.flatMap((probe) => connections.map(([connection]): HistoryRow => {
			const perRound = times.get(`${probe.name}\u0000${connection}`)!.map((samples): [number, number] => [round(percentile(samples, 50), 3), round(percentile(samples, 99), 3)]);
			return {
				query: probe.name,
				connection,
				rows: rowsOf.get(probe.name)!,
				p50Ms: round(percentile(perRound.map((r) => r[0]), 50), 3),
				p99Ms: round(percentile(perRound.map((r) => r[1]), 50), 3),
				rounds: perRound,
				serverCpuMs: cpu.has(`${probe.name}\u0000${connection}`) ? round(percentile(cpu.get(`${probe.name}\u0000${connection}`)!, 50), 3) : null,
			};
		}));
		const explains: Record<string, string> = {};
		for (const probe of probes) {
			for (const [connection, db] of connections) {
				const {rows: plan} = await (probe.ownerRights ? owner : db).query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, BUFFERS) ${probe.sql}`, probe.params);
				explains[`${probe.name} — ${connection}`] = plan.map((r) => r['QUERY PLAN']).join('\n');
			}
		}
		return {deepSeq, loadAverage: loadavg().map((l) => round(l, 2)), rows, explains};
	} finally {
		await Promise.all(connections.map(([, db]) => db.close()));
	}
}

/** The section's markdown: one line per query kind, the three connections side by side. */
export function historyMarkdown(data: {messages: number; rounds: number; callsPerRound: number; loadAverage: number[]; rows: HistoryRow[]}): string {
	const queries = [...new Set(data.rows.map((r) => r.query))];
	const cell = (query: string, connection: ConnectionName) => {
		const row = data.rows.find((r) => r.query === query && r.connection === connection)!;
		const cpu = row.serverCpuMs === null ? '' : ` (server CPU ${row.serverCpuMs})`;
		return `${row.p50Ms} / ${row.p99Ms}${connection !== 'owner, server defaults (JIT on)' ? (row.p99Ms <= GOAL_P99_MS ? ' ✓' : ' ✗') : ''}${cpu}`;
	};
	return [
		`### History at scale (${data.messages.toLocaleString('en-US')} messages; p50 / p99 ms, medians of ${data.rounds} interleaved rounds × ${data.callsPerRound} calls; ✓ = p99 ≤ ${GOAL_P99_MS} ms; server CPU = the backend's CPU ms per call)`,
		'',
		'| query | rows | owner, JIT on (before) | owner, client session | member role (RLS) |',
		'| --- | --- | --- | --- | --- |',
		...queries.map((q) => `| ${q} | ${data.rows.find((r) => r.query === q)!.rows} | ${cell(q, 'owner, server defaults (JIT on)')} | ${cell(q, 'owner, as the client connects')} | ${cell(q, 'member role (RLS), as the client connects')} |`),
		'',
		`Load average at the end: ${data.loadAverage.join(' / ')} (2 cores, shared). EXPLAIN (ANALYZE, BUFFERS) of every query and connection is in the JSON result.`,
		'',
	].join('\n');
}
