// Search (issue 10, outcome 6) against a fresh PostgreSQL database: 1,000,000 stored messages of
// generated chat text (a Zipf-like vocabulary: a few very common words, a long tail of rare ones)
// in 1,000 conversations; the searcher is a member of 20 of them (8 direct chats, 12 rooms) plus
// the broadcast. Each query kind runs with rotating words through store/search.ts searchMessages,
// exactly as the client calls it (query check + search + ts_headline of the page); p50/p99 per
// kind, and EXPLAIN (ANALYZE, BUFFERS) of one query per kind to show the GIN index at work.
import pg from 'pg';
import {silentLogger} from '../src/log.js';
import {openDb} from '../src/store/db.js';
import {runMigrations} from '../src/store/migrate.js';
import {SEARCH_QUERY, searchMessages, type SearchRequest} from '../src/store/search.js';
import {percentile, round} from './lib.js';

/** The searching user. */
export const VIEWER = 'u000';
const USERS = 500;
const ROOMS = 600;
const DIRECTS = 400;
const T0 = '2025-01-01T00:00:00Z';

// Words people chat with (the head of the distribution), then generated ones for the long tail.
const COMMON = `the to i you a and it is in of for that on we be this have not can with at do are so
just ok will my me but what if no all was get now yes up there think about one time it's today
tomorrow meeting deploy build release server database fix bug test please thanks check can't lunch
know need see back going good work call later team update issue error review merge branch docs
client customer ticket invoice order price report sprint plan design data cache queue login
password account user users room message chat search index query backup restore migration
config network latency timeout retry broker topic payload schema version weekend friday monday
coffee office home remote vacation holiday birthday party train flight hotel budget contract
marketing sales support feature roadmap demo slides screen laptop phone battery charger printer`.split(/\s+/);
const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'san', 'vel', 'dor', 'pri', 'ne', 'qua', 'ril', 'to', 'ben', 'zu', 'mar', 'fio', 'gle', 'shan', 'wex', 'py'];

/** The vocabulary, most frequent first: {@link COMMON}, then 20,000 generated words (deterministic). */
export function vocabulary(size = 20_000): string[] {
	const words = [...new Set(COMMON)];
	for (let i = 0; words.length < size; i++) {
		let n = i;
		let word = '';
		do {
			word += SYLLABLES[n % SYLLABLES.length];
			n = Math.floor(n / SYLLABLES.length);
		} while (n > 0);
		words.push(`${word}${i % 7 === 0 ? 's' : ''}`);
	}
	return [...new Set(words)];
}

const pad = (n: number) => String(n).padStart(3, '0');
const user = (n: number) => `u${pad(n % USERS)}`;

/**
 * Create the schema and store `messages` messages (server-side generate_series in batches of
 * 100,000, deterministic: setseed), the GIN index built once after the rows, then ANALYZE.
 * Conversation `i % 1000` (spread by a multiplier): rooms `room-r000…599` with 10 members each
 * (the viewer joins r000…r011), direct chats of consecutive users (the viewer's: u000:u001…u008).
 */
export async function seedSearch(databaseUrl: string, messages: number, onProgress: (stored: number) => void): Promise<void> {
	await runMigrations({databaseUrl, logger: silentLogger()});
	const client = new pg.Client({connectionString: databaseUrl});
	await client.connect();
	try {
		await client.query(`INSERT INTO chat_users (user_id, display_name) SELECT 'u' || lpad(i::text, 3, '0'), 'User ' || i FROM generate_series(0, ${USERS - 1}) AS i`);
		await client.query('CREATE TABLE bench_conversations (idx INT PRIMARY KEY, id TEXT NOT NULL, a TEXT, b TEXT)');
		const rows: Array<[number, string, string | null, string | null]> = [];
		for (let r = 0; r < ROOMS; r++) rows.push([r, `room-r${pad(r)}`, null, null]);
		for (let d = 0; d < DIRECTS; d++) {
			const [a, b] = d < 8 ? [VIEWER, user(d + 1)] : [user(10 + d), user(11 + d)];
			rows.push([ROOMS + d, [a, b].sort().join(':'), a, b]);
		}
		await client.query('INSERT INTO bench_conversations SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])', [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])]);
		await client.query(`INSERT INTO conversations (id, kind, title) SELECT id, CASE WHEN a IS NULL THEN 'group' ELSE 'direct' END, CASE WHEN a IS NULL THEN 'Room ' || idx ELSE '' END FROM bench_conversations`);
		await client.query(`INSERT INTO conversation_members (user_id, conversation_id, role)
			SELECT DISTINCT u, id, 'member' FROM bench_conversations c
			CROSS JOIN LATERAL (SELECT 'u' || lpad((1 + (c.idx * 7 + j) % ${USERS - 1})::text, 3, '0') FROM generate_series(0, 9) AS j WHERE c.a IS NULL
				UNION ALL SELECT c.a WHERE c.a IS NOT NULL UNION ALL SELECT c.b WHERE c.b IS NOT NULL
				UNION ALL SELECT '${VIEWER}' WHERE c.a IS NULL AND c.idx < 12) AS m (u)
			ON CONFLICT DO NOTHING`);
		await client.query('DROP INDEX chat_messages_search');
		await client.query('SELECT setseed(0.42)');
		const words = vocabulary();
		const batch = 100_000;
		for (let from = 1; from <= messages; from += batch) {
			const to = Math.min(messages, from + batch - 1);
			// Word rank: floor(N^random) — log-uniform, so P(rank k) ∝ 1/k (Zipf). 3–21 words.
			await client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
				SELECT 'b' || i, s.sender, s.sender, CASE WHEN c.a IS NULL THEN c.id WHEN s.sender = c.a THEN c.b ELSE c.a END,
					(SELECT string_agg(($1::text[])[floor(power($2::float8, random()))::int], ' ') FROM generate_series(1, 3 + (i % 7) + floor(random() * 12)::int) AS w),
					c.id, $3::timestamptz + i * interval '30 seconds'
				FROM generate_series($4::int, $5::int) AS i
				JOIN bench_conversations c ON c.idx = (i::bigint * 7919) % 1000
				CROSS JOIN LATERAL (SELECT CASE WHEN c.a IS NULL THEN 'u' || lpad((1 + (c.idx * 7 + floor(random() * 10)::int) % ${USERS - 1})::text, 3, '0')
					WHEN random() < 0.5 THEN c.a ELSE c.b END AS sender) AS s`,
			[words, words.length, T0, from, to]);
			onProgress(to);
		}
		await client.query("SET maintenance_work_mem = '256MB'");
		await client.query('CREATE INDEX chat_messages_search ON chat_messages USING GIN (search_vector)');
		await client.query('UPDATE conversations c SET last_seq = x.seq, last_message_at = x.at FROM (SELECT conversation_id, max(seq) AS seq, max(created_at) AS at FROM chat_messages GROUP BY 1) x WHERE x.conversation_id = c.id');
		await client.query('VACUUM ANALYZE chat_messages');
		await client.query('ANALYZE');
	} finally {
		await client.end();
	}
}

/** One kind of query: a name, how to build the i-th request, and a note for the table. */
interface QueryKind {
	name: string;
	build: (i: number) => SearchRequest;
}

/** The query kinds measured (words chosen by rank in {@link vocabulary}: rank ~1 is "the"). */
export function queryKinds(words: readonly string[]): QueryKind[] {
	const mid = (i: number) => words[200 + ((i * 37) % 1_800)]!;
	const common = (i: number) => words[20 + ((i * 7) % 80)]!;
	return [
		{name: 'one word (rank 200–2,000)', build: (i) => ({text: mid(i)})},
		{name: 'two words (AND)', build: (i) => ({text: `${common(i)} ${mid(i + 1)}`})},
		{name: '"a phrase" (two common words)', build: (i) => ({text: `"${common(i)} ${common(i + 3)}"`})},
		{name: 'word -word', build: (i) => ({text: `${mid(i)} -${common(i)}`})},
		{name: 'word or word', build: (i) => ({text: `${mid(i)} or ${mid(i + 5)}`})},
		{name: 'one word --from a user', build: (i) => ({text: common(i), fromUserId: `u00${1 + (i % 8)}`})},
		{name: 'one word --in a room', build: (i) => ({text: mid(i), conversationId: `room-r${pad(i % 12)}`})},
		{name: 'very common word (rank 20–100)', build: (i) => ({text: common(i)})},
		{name: 'the most common words (rank 1–10)', build: (i) => ({text: words[i % 10]!})},
	];
}

/** Timing of one query kind, in ms. */
export interface SearchRow {
	kind: string;
	runs: number;
	p50Ms: number;
	p99Ms: number;
	/** Mean hits returned (at most 50). */
	meanHits: number;
	/** Whether the EXPLAIN of this kind's first query uses chat_messages_search. */
	usesGin: boolean;
}

/**
 * Run every query kind `runs` times (after 5 unmeasured warm-up runs each), interleaved kind by
 * kind, and EXPLAIN (ANALYZE, BUFFERS) the first query of each kind.
 */
export async function runSearchBench(databaseUrl: string, runs: number): Promise<{rows: SearchRow[]; explains: Record<string, string>}> {
	const db = openDb({databaseUrl, max: 1});
	try {
		const kinds = queryKinds(vocabulary());
		const times = kinds.map(() => [] as number[]);
		const hits = kinds.map(() => [] as number[]);
		for (let i = -5; i < runs; i++) {
			for (const [k, kind] of kinds.entries()) {
				const startedAt = performance.now();
				const result = await searchMessages(db, VIEWER, kind.build(Math.abs(i)));
				const ms = performance.now() - startedAt;
				if (result.error) throw new Error(`${kind.name}: ${result.error}`);
				if (i >= 0) {
					times[k]!.push(ms);
					hits[k]!.push(result.hits.length);
				}
			}
		}
		const explains: Record<string, string> = {};
		for (const kind of kinds) {
			const request = kind.build(0);
			const filters = [request.fromUserId ? `m.sender_id = '${request.fromUserId}'` : '', request.conversationId ? `m.conversation_id = '${request.conversationId}'` : ''].filter(Boolean);
			const sql = filters.length ? SEARCH_QUERY.replace("AND m.deleted_at IS NULL", `AND m.deleted_at IS NULL AND ${filters.join(' AND ')}`) : SEARCH_QUERY;
			const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [VIEWER, request.text, 'MaxWords=30, MinWords=12, ShortWord=2', 50]);
			explains[`${kind.name}: ${JSON.stringify(request)}`] = rows.map((r) => r['QUERY PLAN']).join('\n');
		}
		const rows = kinds.map((kind, k): SearchRow => ({
			kind: kind.name,
			runs,
			p50Ms: round(percentile(times[k]!, 50)),
			p99Ms: round(percentile(times[k]!, 99)),
			meanHits: round(hits[k]!.reduce((a, b) => a + b, 0) / runs, 1),
			usesGin: Object.entries(explains).find(([key]) => key.startsWith(`${kind.name}:`))![1].includes('chat_messages_search'),
		}));
		return {rows, explains};
	} finally {
		await db.close();
	}
}

/** The results as a Markdown table. */
export function searchMarkdown(rows: readonly SearchRow[], messages: number): string {
	return [
		`#### Search (${messages.toLocaleString('en-US')} messages, member of 20 of 1,000 conversations + the broadcast; \`npx tsx bench/search-run.ts\`)`,
		'',
		'| query | runs | p50 ms | p99 ms | mean hits | GIN index |',
		'| --- | --- | --- | --- | --- | --- |',
		...rows.map((r) => `| ${r.kind} | ${r.runs} | ${r.p50Ms} | ${r.p99Ms} | ${r.meanHits} | ${r.usesGin ? 'yes' : 'no'} |`),
		'',
	].join('\n');
}
