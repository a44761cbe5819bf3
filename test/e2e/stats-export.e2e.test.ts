// End to end: `hermes-chat stats` and `hermes-chat export` (issue 10, outcome 8) on the built CLI
// against the real PostgreSQL, with history written by the ingester's own batch writer. The
// exports are read back with DuckDB (a dev dependency), and the README's DuckDB query is run as
// printed there.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../../src/log.js';
import {openDb, type Db} from '../../src/store/db.js';
import {writeIngestBatch, type MessageRow, type RoomRow} from '../../src/store/ingest-queries.js';
import {runMigrations} from '../../src/store/migrate.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {CLI} from './embedded-cli.js';

const ROOM = 'room-ops';
const SECRET = 'room-secret';
const SENT = '2026-06-01T10:00:00.000Z';
const README = new URL('../../README.md', import.meta.url);

/** Text that breaks naive CSV and JSON writers. */
const HOSTILE = [
	'plain',
	'comma, "quotes" and \'single\'',
	'two\nlines\r\nand a CR\r',
	'tab\there, trailing space ',
	'ünïcødé 🎉 — \u2028 separator',
	'escape \u001b[31mred\u001b[0m and \u009b C1',
	'"',
	'',
];

interface Result {
	code: number;
	stdout: string;
	stderr: string;
}

function cli(args: string[], databaseUrl: string): Promise<Result> {
	return new Promise((resolve) => {
		execFile(process.execPath, [CLI, ...args, '--database-url', databaseUrl], {timeout: 60_000, env: {...process.env, LOG_LEVEL: 'warn'}}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr});
		});
	});
}

const message = (id: string, from: string, conversationId: string, content: string): MessageRow => ({
	messageId: id, senderId: from, senderName: `${from[0]!.toUpperCase()}${from.slice(1)}`, receiverId: conversationId.includes(':') ? conversationId.split(':').find((u) => u !== from)! : conversationId,
	content, messageType: 'text', sentAt: SENT, conversationId, version: 2,
});
const createRoom = (id: string, from: string, conversationId: string, title: string, userIds: string[]): RoomRow => ({
	messageId: id, conversationId, senderId: from, senderName: from, action: 'create', userIds, title, sentAt: SENT,
});

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
	return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('hermes-chat stats and export', () => {
	let database: TestDatabase;
	let db: Db;
	let dir: string;
	let duck: DuckDBConnection;
	interface StoredRow {
		conversation_id: string;
		seq: string;
		message_id: string;
		sender_id: string;
		content: string;
		message_type: string;
	}
	let aliceMessages: StoredRow[];

	beforeAll(async () => {
		if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
		dir = await mkdtemp(join(tmpdir(), 'hermes-export-'));
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 2});
		const empty = {messages: [], receipts: [], presences: []};
		await writeIngestBatch(db, {...empty, rooms: [createRoom('c1', 'alice', ROOM, 'Ops, "the" room', ['bob']), createRoom('c2', 'carol', SECRET, 'Secret', ['dave'])]});
		await writeIngestBatch(db, {...empty, messages: [
			...HOSTILE.map((text, i) => message(`h${i}`, i % 2 ? 'bob' : 'alice', ROOM, text)),
			message('x1', 'alice', 'alice:bob', 'wrong chat, sorry'),
			message('d1', 'alice', 'alice:bob', 'hi @bob, lunch?'),
			message('d2', 'bob', 'alice:bob', 'sure @alice'),
			message('s1', 'carol', SECRET, 'secret plans'),
			message('b1', 'dave', 'all', 'hello everyone'),
		]});
		// Receipts 50 ms (delivered) and 2 s (read) after the server stored d1 (its clock, not ours).
		// (Cut to whole ms first: JavaScript dates have no microseconds.)
		// (received_by_server is the message's created_at since migration 008.)
		const {rows: [stored]} = await db.query<{timestamp: Date}>(`UPDATE chat_messages SET created_at = date_trunc('milliseconds', created_at)
			WHERE message_id = 'd1' RETURNING created_at AS timestamp`);
		const after = (ms: number) => new Date(stored!.timestamp.getTime() + ms).toISOString();
		await writeIngestBatch(db, {...empty, receipts: [
			{messageId: 'd1', senderId: 'alice', status: 'delivered', userId: 'bob', at: after(50), conversationId: 'alice:bob'},
			{messageId: 'd1', senderId: 'alice', status: 'read', userId: 'bob', at: after(2_000), conversationId: 'alice:bob'},
		]});
		// A reply, an edit and a delete, as the ingester stores them (migration 006's columns).
		await db.query(`UPDATE chat_messages SET reply_to_message_id = 'd1', reply_to_sender_id = 'alice' WHERE message_id = 'd2'`);
		await db.query(`UPDATE chat_messages SET edited_at = '2026-01-02T03:04:05Z', version = 1 WHERE message_id = 'd1'`);
		await db.query(`UPDATE chat_messages SET content = '', mentions = NULL, deleted_at = '2026-01-02T03:04:06Z', deleted_by = 'alice' WHERE message_id = 'x1'`);
		aliceMessages = (await db.query<StoredRow>(`SELECT conversation_id, seq::text, message_id, sender_id, content, message_type FROM chat_messages
			WHERE conversation_id IN ($1, 'alice:bob', 'all') ORDER BY conversation_id, chat_messages.seq`, [ROOM])).rows;
		duck = await (await DuckDBInstance.create(':memory:')).connect();
	}, 120_000);
	afterAll(async () => {
		duck?.closeSync();
		await db?.close();
		await database?.drop();
		if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('exports JSON Lines of my conversations only, every text intact, read back by DuckDB', async () => {
		const file = join(dir, 'alice.jsonl');
		const result = await cli(['export', '--user', 'alice', '--output', file], database.url);
		expect(result).toMatchObject({code: 0, stdout: ''});
		expect(result.stderr).toBe(`exported ${aliceMessages.length} messages from 3 conversations to ${file}\n`);
		const text = await readFile(file, 'utf8');
		const lines = text.split('\n');
		expect(lines.pop()).toBe('');
		const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(records.map((r) => [r.conversation_id, String(r.seq), r.message_id, r.sender_id, r.content, r.message_type]))
			.toEqual(aliceMessages.map((m) => [m.conversation_id, m.seq, m.message_id, m.sender_id, m.content, m.message_type]));
		expect(records.some((r) => r.conversation_id === SECRET)).toBe(false);
		expect(records.find((r) => r.message_id === 'd1')).toMatchObject({conversation_kind: 'direct', conversation_title: 'alice:bob', mentions: ['bob'], sender_name: 'Alice'});
		expect(records.find((r) => r.message_id === 'h0')).toMatchObject({conversation_kind: 'group', conversation_title: 'Ops, "the" room', mentions: []});
		// Replies, edits and deletes are told apart from plain text (a deleted message is not just '').
		expect(records.find((r) => r.message_id === 'd2')).toMatchObject({reply_to_message_id: 'd1', reply_to_sender_id: 'alice', edited_at: null, deleted_at: null});
		expect(records.find((r) => r.message_id === 'd1')).toMatchObject({reply_to_message_id: null, edited_at: '2026-01-02T03:04:05.000Z', deleted_at: null});
		expect(records.find((r) => r.message_id === 'x1')).toMatchObject({content: '', deleted_at: '2026-01-02T03:04:06.000Z'});

		const viaDuck = await rows(duck, `SELECT message_id, content FROM read_json_auto('${file}') ORDER BY conversation_id, seq`);
		expect(viaDuck.map((r) => [r.message_id, r.content])).toEqual(aliceMessages.map((m) => [m.message_id, m.content]));
	});

	it('exports CSV that DuckDB reads back to the same fields, one conversation when asked', async () => {
		const file = join(dir, 'ops.csv');
		const result = await cli(['export', '--user', 'bob', '--format', 'csv', '--conversation', ROOM, '--output', file], database.url);
		expect(result.code).toBe(0);
		const inRoom = aliceMessages.filter((m) => m.conversation_id === ROOM);
		const viaDuck = await rows(duck, `SELECT conversation_id, seq::VARCHAR AS seq, message_id, sender_id, content, message_type, mentions
			FROM read_csv('${file}', header = true, allow_quoted_nulls = false, all_varchar = true) ORDER BY seq::BIGINT`);
		expect(viaDuck).toEqual(inRoom.map((m) => ({conversation_id: ROOM, seq: m.seq, message_id: m.message_id, sender_id: m.sender_id, content: m.content, message_type: m.message_type, mentions: ''})));
		expect(viaDuck.map((r) => r.content)).toEqual(expect.arrayContaining(HOSTILE));
	});

	it('exports no reply, edit or delete as NULL in CSV for DuckDB, and the ones there as values', async () => {
		const file = join(dir, 'direct.csv');
		expect((await cli(['export', '--user', 'alice', '--format', 'csv', '--conversation', 'alice:bob', '--output', file], database.url)).code).toBe(0);
		const viaDuck = await rows(duck, `SELECT message_id, content, reply_to_message_id, edited_at::VARCHAR AS edited_at, deleted_at IS NOT NULL AS is_deleted
			FROM read_csv('${file}', header = true, allow_quoted_nulls = false) ORDER BY seq`);
		expect(viaDuck).toEqual([
			{message_id: 'x1', content: '', reply_to_message_id: null, edited_at: null, is_deleted: true},
			{message_id: 'd1', content: 'hi @bob, lunch?', reply_to_message_id: null, edited_at: expect.stringMatching(/^2026-01-02 03:04:05/), is_deleted: false},
			{message_id: 'd2', content: 'sure @alice', reply_to_message_id: 'd1', edited_at: null, is_deleted: false},
		]);
	});

	it('runs the README DuckDB query over an export as printed there', async () => {
		const readme = await readFile(README, 'utf8');
		const query = /```sql\n([^`]*read_json_auto\('alice\.jsonl'\)[^`]*)```/.exec(readme)?.[1];
		expect(query, 'the README shows a DuckDB query over alice.jsonl').toBeDefined();
		const file = join(dir, 'alice.jsonl');
		if (!existsSync(file)) expect((await cli(['export', '--user', 'alice', '--output', file], database.url)).code).toBe(0);
		const answer = await rows(duck, query!.replace("'alice.jsonl'", `'${file}'`));
		const texts = aliceMessages.filter((m) => m.message_type === 'text');
		const expected = new Map<string, number>();
		const titleOf = (id: string) => (id === ROOM ? 'Ops, "the" room' : id === 'all' ? 'everyone' : id);
		for (const m of texts) {
			const key = `${titleOf(m.conversation_id)}\u0000${m.sender_id[0]!.toUpperCase()}${m.sender_id.slice(1)}`;
			expected.set(key, (expected.get(key) ?? 0) + 1);
		}
		expect(answer.map((r) => `${r.conversation_title}\u0000${r.sender_name}\u0000${r.messages}`).sort())
			.toEqual([...expected].map(([key, n]) => `${key}\u0000${n}`).sort());
		expect(answer[0]).toMatchObject({conversation_title: 'Ops, "the" room', messages: expect.anything()});
		expect(answer.every((r) => typeof r.last_message === 'string' && r.last_message.length > 0)).toBe(true);
	});

	it('refuses a conversation the user is not a member of, and a missing --user, in one line', async () => {
		const notMember = await cli(['export', '--user', 'alice', '--conversation', SECRET, '--output', join(dir, 'no.jsonl')], database.url);
		expect(notMember).toMatchObject({code: 1, stdout: ''});
		expect(notMember.stderr).toBe(`hermes-chat: alice is not a member of ${SECRET} — pick one of their conversations, or leave out --conversation\n`);
		expect(existsSync(join(dir, 'no.jsonl'))).toBe(false);
		const noUser = await cli(['export', '--output', join(dir, 'no.jsonl')], database.url);
		expect(noUser.code).toBe(1);
		expect(noUser.stderr).toBe('hermes-chat: whose conversations? — pass --user <id>\n');
	});

	it('prints stats as JSON and as text after a refresh, with the median delays', async () => {
		const json = await cli(['stats', '--refresh', '--days', '3660', '--json'], database.url);
		expect(json.code).toBe(0);
		const report = JSON.parse(json.stdout) as {messages: number; delivery: {medianMs: number; count: number}; read: {medianMs: number; count: number}; users: Array<{id: string; messages: number}>};
		// x1 was deleted, but it was sent and stored: it counts.
		expect(report.messages).toBe(HOSTILE.length + 5);
		expect(report.delivery).toEqual({medianMs: 50, count: 1});
		expect(report.read).toEqual({medianMs: 2_000, count: 1});
		expect(report.users.map((u) => [u.id, u.messages])).toEqual([['alice', 6], ['bob', 5], ['carol', 1], ['dave', 1]]);

		const text = await cli(['stats', '--days', '3660'], database.url);
		expect(text.code).toBe(0);
		expect(text.stdout).toContain(`total ${HOSTILE.length + 5}   median delivery 50 ms (1 delivery)   median read 2.0 s (1 read)`);
		expect(text.stdout).toMatch(/^Ops, "the" room \(room-ops\)\s+8$/m);

		const bad = await cli(['stats', '--days', '0'], database.url);
		expect(bad.code).toBe(1);
		expect(bad.stderr).toMatch(/--days.*a whole number from 1 to 3660/);
	});
});
