// The cost of row-level security (issue 9, outcome 3): the reads a TUI runs, through the store's
// own functions, as the database owner (no RLS) and as a member's login role (migration 005's
// policies), in the same run on the same data, interleaved round by round with alternating order.
// Data: alice↔bob with 100,000 messages, 500 more direct chats of alice (20 messages each), 1,000
// broadcasts, then 100,000 newer messages in 400 conversations alice is not in (what the
// policies must skip); four status rows per message (sent, received_by_server, delivered, read).
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {conversationIdFor} from '../src/protocol/index.js';
import {silentLogger} from '../src/log.js';
import {createPostgresAccountBackend} from '../src/store/accounts.js';
import {CATCH_UP_QUERIES, loadHeadSeq, loadUnreceiptedMessages} from '../src/store/catch-up.js';
import {CLIENT_SESSION, openDb, type Db} from '../src/store/db.js';
import {CONVERSATIONS_QUERY, conversationPageParams, loadConversations} from '../src/store/history-people.js';
import {loadLatestPage, loadOlderPage, PAGE_QUERIES} from '../src/store/history.js';
import {runMigrations} from '../src/store/migrate.js';
import {percentile, round} from './lib.js';

/** Rounds run first and left out (plans, caches, connections warm up). */
const WARMUP_ROUNDS = 3;
const PAGE = 50;

/** One query's timings as owner and as member, in ms. */
export interface RlsRow {
	query: string;
	/** What it returned as the member (rows), the same as the owner's for alice. */
	rows: number;
	ownerMedianMs: number;
	memberMedianMs: number;
	ownerP90Ms: number;
	memberP90Ms: number;
	/** member median ÷ owner median. */
	ratio: number;
}

/** Result of {@link runRlsBenchmark}. */
export interface RlsResult {
	rounds: number;
	messages: number;
	rows: RlsRow[];
	/** `EXPLAIN (ANALYZE, BUFFERS)` of each query's statement, as owner and as member. */
	plans: Record<string, {owner: string; member: string}>;
}

interface Probe {
	name: string;
	run: (db: Db) => Promise<number>;
	sql: string;
	params: unknown[];
}

const SEED = `
INSERT INTO chat_users (user_id, display_name) SELECT u, u FROM unnest($1::text[]) AS u ON CONFLICT DO NOTHING;
`;

/** `count` messages in `conversation` between `a` and `b` (alternating), stored `spacing` s apart ending at `endAt`. */
async function seedMessages(client: pg.Client, conversations: readonly [string, string, string][], perConversation: number, endAt: Date): Promise<void> {
	await client.query(`INSERT INTO conversations (id, kind, created_at) SELECT c, CASE WHEN c = 'all' THEN 'broadcast' ELSE 'direct' END, $2
		FROM unnest($1::text[]) AS c ON CONFLICT DO NOTHING`, [conversations.map((c) => c[0]), new Date(endAt.getTime() - 86_400_000 * 30)]);
	await client.query(`INSERT INTO conversation_members (user_id, conversation_id, joined_at)
		SELECT u, c, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(c, a, b) CROSS JOIN LATERAL (VALUES (a), (b)) AS p(u)
		WHERE c <> 'all' ON CONFLICT DO NOTHING`, [conversations.map((c) => c[0]), conversations.map((c) => c[1]), conversations.map((c) => c[2]), new Date(endAt.getTime() - 86_400_000 * 30)]);
	// Conversation by conversation in seq order, the way traffic would interleave is irrelevant to plans here.
	await client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
		SELECT t.c || '-' || i,
			CASE WHEN i % 2 = 1 OR t.c = 'all' THEN t.a ELSE t.b END, 'Name',
			CASE WHEN t.c = 'all' THEN 'all' WHEN i % 2 = 1 THEN t.b ELSE t.a END,
			'message ' || i, t.c, $5::timestamptz - ((($4::int - i) + ($6::int - t.ord) * $4::int) * interval '1 second')
		FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(c, a, b, ord)
		CROSS JOIN generate_series(1, $4::int) AS i
		ORDER BY t.ord, i`, [conversations.map((c) => c[0]), conversations.map((c) => c[1]), conversations.map((c) => c[2]), perConversation, endAt, conversations.length]);
}

/**
 * Seed a fresh database (migrated here), create the member account `alice` (a unique role name
 * per run, dropped at the end), then time each probe `rounds` times per role after
 * {@link WARMUP_ROUNDS}, alternating which role goes first.
 * The member logs in as its own role with its password (a cluster with trust or scram auth). `keep`
 * leaves the database and the role in place (to study plans by hand).
 */
export async function runRlsBenchmark(options: {databaseUrl: string; adminUrl: string; rounds: number; keep?: boolean}): Promise<RlsResult> {
	const tag = randomUUID().slice(0, 6);
	const alice = `rls_${tag}_alice`;
	const bob = `rls_${tag}_bob`;
	const big = conversationIdFor(alice, bob);
	await runMigrations({databaseUrl: options.databaseUrl, logger: silentLogger()});
	const accounts = createPostgresAccountBackend({databaseUrl: options.databaseUrl});
	// Kept for the member's URL: a server with password auth (scram) asks for it, as production does.
	const alicePassword = `bench-${randomUUID()}`;
	await accounts.create(alice, alicePassword);
	await accounts.close();
	const seed = new pg.Client(options.databaseUrl);
	await seed.connect();
	// Both as the chat connects (CLIENT_SESSION: no JIT, no parallel workers), so the difference is
	// the policies': JIT compiling would dominate the owner's conversation list otherwise.
	const owner = openDb({databaseUrl: options.databaseUrl, max: 1, ...CLIENT_SESSION});
	const memberUrl = new URL(options.databaseUrl);
	memberUrl.username = alice;
	memberUrl.password = alicePassword;
	const member = openDb({databaseUrl: memberUrl.toString(), max: 1, ...CLIENT_SESSION});
	try {
		const endAt = new Date('2026-06-01T12:00:00Z');
		const peers = Array.from({length: 500}, (_, i) => `rls_${tag}_p${i}`);
		const others = Array.from({length: 401}, (_, i) => `rls_${tag}_o${i}`);
		await seed.query(SEED, [[alice, bob, ...peers, ...others]]);
		await seedMessages(seed, [[big, alice, bob]], 100_000, new Date(endAt.getTime() - 3_600_000 * 24 * 10));
		await seedMessages(seed, peers.map((p) => [conversationIdFor(alice, p), alice, p] as [string, string, string]), 20, new Date(endAt.getTime() - 3_600_000 * 24 * 5));
		await seedMessages(seed, [['all', bob, 'all']], 1_000, new Date(endAt.getTime() - 3_600_000 * 24 * 2));
		await seedMessages(seed, others.slice(1).map((o, i) => [conversationIdFor(others[i]!, o), others[i]!, o] as [string, string, string]), 250, endAt);
		await seed.query(`INSERT INTO message_status (message_id, sender_id, status, user_id, timestamp)
			SELECT m.message_id, m.sender_id, s.status, CASE WHEN s.status IN ('sent', 'received_by_server') THEN m.sender_id ELSE m.receiver_id END, m.created_at
			FROM chat_messages m CROSS JOIN (VALUES ('sent'), ('received_by_server'), ('delivered'), ('read')) AS s(status)
			WHERE m.conversation_id <> 'all' OR s.status IN ('sent', 'received_by_server')`);
		await seed.query(`UPDATE conversations c SET last_seq = x.seq, last_message_at = x.at
			FROM (SELECT conversation_id, max(seq) AS seq, max(created_at) AS at FROM chat_messages GROUP BY 1) x WHERE x.conversation_id = c.id`);
		await seed.query(`UPDATE conversation_members SET last_read_seq = c.last_seq - 5 FROM conversations c WHERE c.id = conversation_members.conversation_id`);
		await seed.query('VACUUM ANALYZE');
		const counts = await seed.query<{messages: string; big_first: string; big_last: string; head: string}>(
			`SELECT (SELECT count(*) FROM chat_messages) AS messages,
				(SELECT min(seq) FROM chat_messages WHERE conversation_id = $1) AS big_first,
				(SELECT max(seq) FROM chat_messages WHERE conversation_id = $1) AS big_last,
				(SELECT max(seq) FROM chat_messages) AS head`, [big]);
		const {messages, big_first: bigFirst, big_last: bigLast, head} = counts.rows[0]!;
		const deepSeq = Math.floor((Number(bigFirst) + Number(bigLast)) / 2);
		// Catch-up after being away for the last 20,000 stored messages (mostly others' traffic).
		const awaySeq = Number(head) - 20_000;
		const probes: Probe[] = [
			{name: 'latest page (100k chat)', run: async (db) => (await loadLatestPage(db, big, PAGE, alice)).messages.length, sql: PAGE_QUERIES.latest, params: [big, PAGE + 1, alice]},
			{name: 'page deep in the 100k chat', run: async (db) => (await loadOlderPage(db, big, deepSeq, PAGE, alice)).messages.length, sql: PAGE_QUERIES.older, params: [big, deepSeq, PAGE + 1, alice]},
			{name: 'conversation list (502)', run: async (db) => (await loadConversations(db, alice)).length, sql: CONVERSATIONS_QUERY, params: conversationPageParams(alice, 500)},
			{name: 'catch-up: missed messages', run: async (db) => (await loadUnreceiptedMessages(db, alice, awaySeq)).length, sql: CATCH_UP_QUERIES.missed, params: [alice, awaySeq, 500]},
			{name: 'catch-up: head seq', run: async (db) => ((await loadHeadSeq(db)) > 0 ? 1 : 0), sql: CATCH_UP_QUERIES.head, params: []},
		];
		const times = new Map(probes.map((p) => [p.name, {owner: [] as number[], member: [] as number[], rows: 0}]));
		for (let r = 0; r < WARMUP_ROUNDS + options.rounds; r++) {
			const order: ['owner' | 'member', Db][] = r % 2 === 0 ? [['owner', owner], ['member', member]] : [['member', member], ['owner', owner]];
			for (const probe of probes) {
				for (const [role, db] of order) {
					const started = performance.now();
					const rows = await probe.run(db);
					const elapsed = performance.now() - started;
					const entry = times.get(probe.name)!;
					if (role === 'member') entry.rows = rows;
					if (r >= WARMUP_ROUNDS) entry[role].push(elapsed);
				}
			}
		}
		const plans: RlsResult['plans'] = {};
		for (const probe of probes) {
			const explain = async (db: Db) => (await db.query<{'QUERY PLAN': string}>(`EXPLAIN (ANALYZE, BUFFERS) ${probe.sql}`, probe.params)).rows.map((row) => row['QUERY PLAN']).join('\n');
			// The list runs inside migration 012's SECURITY DEFINER function: the owner's plan for both.
			plans[probe.name] = {owner: await explain(owner), member: await explain(probe.sql === CONVERSATIONS_QUERY ? owner : member)};
		}
		const rows = probes.map((probe): RlsRow => {
			const t = times.get(probe.name)!;
			const ownerMedian = percentile(t.owner, 50);
			const memberMedian = percentile(t.member, 50);
			return {
				query: probe.name,
				rows: t.rows,
				ownerMedianMs: round(ownerMedian, 3),
				memberMedianMs: round(memberMedian, 3),
				ownerP90Ms: round(percentile(t.owner, 90), 3),
				memberP90Ms: round(percentile(t.member, 90), 3),
				ratio: round(memberMedian / ownerMedian, 2),
			};
		});
		return {rounds: options.rounds, messages: Number(messages), rows, plans};
	} finally {
		await member.close();
		await owner.close();
		await seed.end();
		if (options.keep) {
			process.stderr.write(`bench: kept ${options.databaseUrl} and role ${alice}\n`);
		} else {
			// Roles are cluster-wide: the benchmark's own role goes when the run ends.
			const admin = new pg.Client(options.adminUrl);
			await admin.connect();
			await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [alice]).catch(() => undefined);
			await admin.query(`DROP ROLE IF EXISTS "${alice}"`).catch(() => undefined);
			await admin.end();
		}
	}
}

/** The result as a Markdown table plus the plans, for bench/results/rls.md. */
export function rlsMarkdown(result: RlsResult): string {
	const lines = [
		`## Row-level security: owner vs member role (${result.messages.toLocaleString('en')} messages, ${result.rounds} interleaved rounds)`,
		'',
		'| query | rows | owner median ms | member median ms | owner p90 | member p90 | member ÷ owner |',
		'|---|---:|---:|---:|---:|---:|---:|',
		...result.rows.map((r) => `| ${r.query} | ${r.rows} | ${r.ownerMedianMs} | ${r.memberMedianMs} | ${r.ownerP90Ms} | ${r.memberP90Ms} | ${r.ratio} |`),
		'',
	];
	for (const [name, plan] of Object.entries(result.plans)) {
		lines.push(`<details><summary>${name}: plans</summary>`, '', '```', '-- owner', plan.owner, '', '-- member', plan.member, '```', '</details>', '');
	}
	return lines.join('\n');
}
