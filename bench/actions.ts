// `npx tsx bench/actions.ts`: what issue 10's columns cost a history page. One direct conversation
// of 100,000 messages (every 5th a reply, every 10th edited with a kept version, every 4th with two
// reactions, every 50th deleted) next to an untouched one of the same size; each page kind is
// read 200 times in both. Writes bench/results/actions.{json,md}.
import {mkdir, writeFile} from 'node:fs/promises';
import {cpus, loadavg} from 'node:os';
import {silentLogger} from '../src/log.js';
import {openDb, type Db} from '../src/store/db.js';
import {loadAroundPage, loadLatestPage, loadOlderPage, PAGE_QUERIES} from '../src/store/history.js';
import {runMigrations} from '../src/store/migrate.js';
import {createDatabase, percentile, round, servicesProblem} from './lib.js';

const MESSAGES = Number(process.env.BENCH_ACTION_MESSAGES ?? 100_000);
const REPEATS = Number(process.env.BENCH_ACTION_REPEATS ?? 200);
const RESULTS = new URL('./results/', import.meta.url);

// Rows as the ingester leaves them (seq order = insertion order), actions written directly.
const SEED = `
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id)
SELECT 'm-' || $1 || '-' || i, CASE WHEN i % 2 = 0 THEN split_part($1, ':', 1) ELSE split_part($1, ':', 2) END, 'Sender', 'x',
	'message number ' || i || ' with some words to read', $1
FROM generate_series(1, $2) AS i`;
const DECORATE = `
WITH m AS (SELECT message_id, sender_id, seq, row_number() OVER (ORDER BY seq) AS i FROM chat_messages WHERE conversation_id = $1)
UPDATE chat_messages c SET
	reply_to_sender_id = CASE WHEN m.i % 5 = 0 THEN p.sender_id END,
	reply_to_message_id = CASE WHEN m.i % 5 = 0 THEN p.message_id END,
	reply_to_seq = CASE WHEN m.i % 5 = 0 THEN p.seq END,
	version = CASE WHEN m.i % 10 = 0 THEN 1 ELSE 0 END,
	edited_at = CASE WHEN m.i % 10 = 0 THEN now() END
FROM m LEFT JOIN chat_messages p ON p.conversation_id = $1 AND p.seq = m.seq - 3
WHERE c.message_id = m.message_id AND c.sender_id = m.sender_id`;
const VERSIONS = `INSERT INTO message_versions (message_id, sender_id, version, content, created_at, replaced_by)
SELECT message_id, sender_id, 0, 'before the edit', created_at, sender_id FROM chat_messages WHERE conversation_id = $1 AND version = 1`;
const REACTIONS = `INSERT INTO message_reactions (message_id, sender_id, emoji, user_id)
SELECT message_id, sender_id, e, u FROM chat_messages, (VALUES ('👍'), ('🎉')) AS x(e), (VALUES ('ann')) AS y(u)
WHERE conversation_id = $1 AND seq % 4 = 0`;
const DELETES = `UPDATE chat_messages SET content = '', deleted_at = now(), deleted_by = sender_id WHERE conversation_id = $1 AND seq % 50 = 0`;

async function time(run: () => Promise<unknown>): Promise<{medianMs: number; p99Ms: number}> {
	for (let i = 0; i < 10; i++) await run();
	const samples: number[] = [];
	for (let i = 0; i < REPEATS; i++) {
		const start = process.hrtime.bigint();
		await run();
		samples.push(Number(process.hrtime.bigint() - start) / 1e6);
	}
	return {medianMs: round(percentile(samples, 50), 3), p99Ms: round(percentile(samples, 99), 3)};
}

async function measure(db: Db, conversationId: string) {
	const {rows} = await db.query<{mid: string}>('SELECT (min(seq) + max(seq)) / 2 AS mid FROM chat_messages WHERE conversation_id = $1', [conversationId]);
	const mid = Number(rows[0]!.mid);
	return {
		latest: await time(() => loadLatestPage(db, conversationId, 50, 'ann')),
		older: await time(() => loadOlderPage(db, conversationId, mid, 50, 'ann')),
		around: await time(() => loadAroundPage(db, conversationId, mid, 50, 'ann')),
	};
}

const problem = await servicesProblem();
if (problem) {
	process.stderr.write(`bench: skipped — ${problem}\n`);
	process.exitCode = 1;
} else {
	const database = await createDatabase();
	const db = openDb({databaseUrl: database.url});
	try {
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		const [plain, acted] = ['ann:bob', 'ann:cat'];
		process.stderr.write(`bench: actions, seeding 2 × ${MESSAGES} messages…\n`);
		for (const id of [plain, acted]) await db.query(SEED, [id, MESSAGES]);
		for (const sql of [DECORATE, VERSIONS, REACTIONS, DELETES]) await db.query(sql, [acted]);
		await db.query('ANALYZE');
		const plan = (await db.query<{'QUERY PLAN': string}>(`EXPLAIN ${PAGE_QUERIES.latest}`, [acted, 51, 'ann'])).rows.map((r) => r['QUERY PLAN']);
		const result = {untouched: await measure(db, plain), withActions: await measure(db, acted)};
		const uses = (index: string) => plan.some((line) => line.includes(index));
		const environment = {node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => round(l))};
		const row = (kind: 'latest' | 'older' | 'around') =>
			`| ${kind} | ${result.untouched[kind].medianMs} / ${result.untouched[kind].p99Ms} | ${result.withActions[kind].medianMs} / ${result.withActions[kind].p99Ms} |`;
		const markdown = [
			`### History pages with reply quotes, edits, deletes and reactions (${MESSAGES.toLocaleString('en')} messages per conversation, 50 per page, ${REPEATS} reads)`,
			'',
			'| page | untouched conversation, ms median / p99 | every 5th a reply, 10th edited, 4th with 2 reactions, 50th deleted |',
			'|---|---|---|',
			row('latest'), row('older'), row('around'),
			'',
			`Plan of the latest page: chat_messages_conversation_seq ${uses('chat_messages_conversation_seq') ? 'yes' : 'NO'}, reply quote by chat_messages_message_id_sender_key ${uses('chat_messages_message_id_sender_key') ? 'yes' : 'NO'}, reactions by message_reactions_pkey ${uses('message_reactions_pkey') ? 'yes' : 'NO'}.`,
			`_${new Date().toISOString()}, Node ${process.version}, ${environment.cpus} CPUs, load average ${environment.loadAverage.join(' / ')}, PostgreSQL on localhost._`,
			'',
		].join('\n');
		await mkdir(RESULTS, {recursive: true});
		await writeFile(new URL('actions.json', RESULTS), `${JSON.stringify({environment, result, plan}, null, 2)}\n`);
		await writeFile(new URL('actions.md', RESULTS), markdown);
		process.stdout.write(markdown);
	} finally {
		await db.close();
		await database.drop();
	}
}
