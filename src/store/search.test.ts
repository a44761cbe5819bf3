// Full-text search and the away summary on the real PostgreSQL (migration 007): only my
// conversations, filters, websearch syntax, deleted text never found, highlights not forgeable.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {silentLogger} from '../log.js';
import {mentionsOf} from '../protocol/index.js';
import {loadAwaySummary} from './away.js';
import {openDb, type Db} from './db.js';
import {runMigrations} from './migrate.js';
import {MAX_SEARCH_LENGTH, SEARCH_QUERY, searchMessages, splitHighlights} from './search.js';

const ROOM = 'room-ops';
const SECRET = 'room-secret';
const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('search and the away summary', () => {
	let database: TestDatabase;
	let db: Db;
	const ids = new Map<string, number>();
	const message = async (id: string, sender: string, conversation: string, content: string, minute: number, type = 'text') => {
		const {rows} = await db.query<{seq: string}>(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, created_at, mentions)
			VALUES ($1, $2::text, initcap($2::text), $3, $4, $5, $3, $6, $7) RETURNING seq`,
			[id, sender, conversation, content, type, at(minute), type === 'text' && mentionsOf(content).length ? mentionsOf(content) : null],
		);
		ids.set(id, Number(rows[0]!.seq));
	};
	const hitIds = async (viewer: string, text: string, filters: object = {}) => {
		const result = await searchMessages(db, viewer, {text, ...filters});
		expect(result.error).toBeUndefined();
		return result.hits.map((h) => h.messageId);
	};

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 1});
		await db.query(`INSERT INTO chat_users (user_id, display_name) VALUES ('alice', 'Alice A'), ('bob', 'Bob B'), ('carol', 'Carol C'), ('dave', 'Dave D')`);
		await db.query(`INSERT INTO conversations (id, kind, title) VALUES ($1, 'group', 'Ops'), ($2, 'group', 'Secret'), ('alice:bob', 'direct', '')`, [ROOM, SECRET]);
		await db.query(`INSERT INTO conversation_members (user_id, conversation_id, role, left_at, last_read_seq) VALUES
			('alice', $1, 'admin', NULL, 0), ('bob', $1, 'member', NULL, 0), ('carol', $1, 'member', NULL, 0), ('dave', $1, 'member', now(), 0),
			('carol', $2, 'admin', NULL, 0), ('dave', $2, 'member', NULL, 0),
			('alice', 'alice:bob', 'member', NULL, 0), ('bob', 'alice:bob', 'member', NULL, 0)`, [ROOM, SECRET]);
		await message('sys', 'alice', ROOM, 'alice created the deploy room', 0, 'system');
		await message('r1', 'bob', ROOM, 'Deploy of the billing service tonight at 22:00', 1);
		await message('r2', 'carol', ROOM, 'deploy postponed, the database migration failed', 2);
		await message('r3', 'alice', ROOM, '@bob can you check the database backups?', 3);
		await message('d1', 'bob', 'alice:bob', 'the billing deploy went fine', 4);
		await message('s1', 'dave', SECRET, 'secret deploy plans for the billing team', 5);
		await message('b1', 'carol', 'all', 'Everyone: deploy freeze on Friday', 6);
		await message('x1', 'bob', ROOM, 'deleted deploy text', 7);
		await db.query("UPDATE chat_messages SET content = '', deleted_at = $1 WHERE message_id = 'x1'", [at(8)]);
		await message('x2', 'carol', ROOM, 'another deploy that was deleted', 9);
		await db.query("UPDATE chat_messages SET content = '', deleted_at = $1 WHERE message_id = $2", [at(10), 'x2']); // as migration 006 deletes (its CHECK keeps deleted content '')
		await message('f1', 'bob', ROOM, 'hsdeadbeef deploy he and <b>deploy</b> \u001b[31m', 11);
		await message('r4', 'carol', ROOM, '@alice @bob the billing deploy is done', 12);
	}, 60_000);
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('finds words in my conversations only, newest first, with the conversation as the list names it', async () => {
		const {hits} = await searchMessages(db, 'alice', {text: 'billing'});
		expect(hits.map((h) => h.messageId)).toEqual(['r4', 'd1', 'r1']);
		expect(hits.map((h) => h.conversationTitle)).toEqual(['Ops', 'Bob B', 'Ops']);
		expect(hits[2]).toMatchObject({conversationId: ROOM, senderId: 'bob', senderName: 'Bob', seq: ids.get('r1'), createdAt: at(1).getTime()});
		// The same word in a room alice is not in is never returned; carol, a member there, finds it.
		expect(await hitIds('carol', 'secret')).toEqual(['s1']);
		expect(await hitIds('alice', 'secret')).toEqual([]);
		// dave left Ops: its messages are no longer searched for him; the broadcast is everyone's.
		expect(await hitIds('dave', 'deploy')).toEqual(['b1', 's1']);
		expect(await hitIds('bob', 'freeze')).toEqual(['b1']);
	});

	it('takes websearch syntax: a quoted phrase, -word and or; case-insensitive without stemming', async () => {
		expect(await hitIds('alice', '"billing deploy"')).toEqual(['r4', 'd1']);
		expect(await hitIds('alice', 'deploy -billing')).toEqual(['f1', 'b1', 'r2']);
		expect(await hitIds('alice', 'postponed or tonight')).toEqual(['r2', 'r1']);
		expect(await hitIds('alice', 'DATABASE')).toEqual(['r3', 'r2']);
		// `simple` does not stem: "deploys" is another word.
		expect(await hitIds('alice', 'deploys')).toEqual([]);
	});

	it('filters by conversation, sender, dates and seq, and honours the limit', async () => {
		expect(await hitIds('alice', 'deploy', {conversationId: 'alice:bob'})).toEqual(['d1']);
		expect(await hitIds('alice', 'deploy', {conversationId: SECRET})).toEqual([]);
		expect(await hitIds('alice', 'deploy', {fromUserId: 'carol'})).toEqual(['r4', 'b1', 'r2']);
		expect(await hitIds('alice', 'deploy', {after: at(2).getTime(), before: at(6).getTime()})).toEqual(['d1', 'r2']);
		expect(await hitIds('alice', 'deploy', {limit: 2})).toEqual(['r4', 'f1']);
		expect(await hitIds('alice', 'deploy', {limit: 2, beforeSeq: ids.get('f1')})).toEqual(['b1', 'd1']);
	});

	it('never finds deleted messages (content cleared, or deleted_at set) nor system lines', async () => {
		expect(await hitIds('bob', 'deleted')).toEqual([]);
		expect(await hitIds('alice', 'created')).toEqual([]);
	});

	it('marks the matched words in the snippet, and text cannot forge a mark', async () => {
		const [r3] = (await searchMessages(db, 'bob', {text: 'database backups', conversationId: ROOM, fromUserId: 'alice'})).hits;
		expect(r3!.snippet).toBe('@bob can you check the database backups?');
		expect(r3!.matches.map(([s, e]) => r3!.snippet.slice(s, e))).toEqual(['database', 'backups']);
		const [forged] = (await searchMessages(db, 'bob', {text: 'deploy', fromUserId: 'bob', conversationId: ROOM, limit: 1})).hits;
		expect(forged!.messageId).toBe('f1');
		// ts_headline's parser drops HTML-like tags; the escape stays for the TUI to sanitize.
		expect(forged!.snippet).toBe('hsdeadbeef deploy he and  deploy  \u001b[31m');
		expect(forged!.matches.map(([s, e]) => forged!.snippet.slice(s, e))).toEqual(['deploy', 'deploy']);
		expect(forged!.matches[0]).toEqual([11, 17]);
	});

	it('answers bad queries with one line instead of an error', async () => {
		const refusal = async (text: string, extra: object = {}) => (await searchMessages(db, 'alice', {text, ...extra})).error;
		expect(await refusal('   ')).toBe('type something to search for');
		expect(await refusal('x'.repeat(MAX_SEARCH_LENGTH + 1))).toMatch(/too long \(201 characters, at most 200\)/);
		expect(await refusal('!!! -- ()')).toMatch(/nothing to search for/);
		expect(await refusal('-deploy')).toMatch(/at least one word/);
		expect(await refusal('deploy', {before: Number.NaN})).toBe('--before: not a date');
		expect(await refusal('deploy', {after: at(5).getTime(), before: at(1).getTime()})).toMatch(/earlier/);
		expect(await refusal('deploy', {limit: 0})).toMatch(/limit/);
		// Parser oddities are words, never syntax errors.
		expect((await searchMessages(db, 'alice', {text: '"unbalanced or -( & | ! <-> :*'})).error).toBeUndefined();
		expect((await searchMessages(db, 'alice', {text: "deploy'; DROP TABLE chat_messages; --"})).hits).toEqual([]);
	});

	it('uses the GIN index on search_vector', async () => {
		await db.query('SET enable_seqscan = off');
		const {rows} = await db.query<{'QUERY PLAN': string}>(`EXPLAIN ${SEARCH_QUERY}`, ['alice', 'deploy', 'MaxWords=10', 50]);
		await db.query('RESET enable_seqscan');
		expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Bitmap Index Scan on chat_messages_search/);
	});

	it('summarises unread conversations: mentions first, then newest; count, first unread, senders', async () => {
		// bob read up to r1 in Ops; nothing of alice:bob was read by him.
		await db.query("UPDATE conversation_members SET last_read_seq = $1 WHERE user_id = 'bob' AND conversation_id = $2", [ids.get('r1'), ROOM]);
		const {entries: away, total} = await loadAwaySummary(db, 'bob');
		expect(total).toBe(2);
		expect(away.map((e) => e.conversationId)).toEqual([ROOM, 'all']);
		expect(away[0]).toEqual({
			conversationId: ROOM, title: 'Ops', kind: 'group',
			unread: 4, // r2, r3, x2, r4 from others (x1 and f1 are bob's own)
			mentions: 2, // r3 and r4 mention @bob
			firstUnread: {seq: ids.get('r2'), messageId: 'r2', senderId: 'carol', senderName: 'Carol C', content: 'deploy postponed, the database migration failed', createdAt: at(2).getTime(), messageType: 'text', isDeleted: false},
			senders: ['Carol C', 'Alice A'],
		});
		expect(away[1]).toMatchObject({conversationId: 'all', title: 'everyone', kind: 'broadcast', unread: 1, mentions: 0, senders: ['Carol C']});
		// alice: the direct chat with bob (d1) and the broadcast; her Ops marker is at 0 so Ops too.
		const {entries: alice} = await loadAwaySummary(db, 'alice');
		expect(alice.map((e) => [e.conversationId, e.unread, e.mentions])).toEqual([[ROOM, 6, 1], ['all', 1, 0], ['alice:bob', 1, 0]]);
		expect(alice[2]!.title).toBe('Bob B');
		// One screen of them: the first `limit`, and how many there are in all.
		expect(await loadAwaySummary(db, 'alice', 2)).toEqual({entries: alice.slice(0, 2), total: 3});
		// The first unread may be a deleted message (its text gone) or a room event line.
		await db.query("UPDATE conversation_members SET last_read_seq = $1 WHERE user_id = 'bob' AND conversation_id = $2", [ids.get('x1'), ROOM]);
		expect((await loadAwaySummary(db, 'bob')).entries[0]!.firstUnread).toMatchObject({messageId: 'x2', content: '', messageType: 'text', isDeleted: true});
		await db.query("UPDATE conversation_members SET last_read_seq = 0 WHERE user_id = 'carol' AND conversation_id = $1", [ROOM]);
		expect((await loadAwaySummary(db, 'carol')).entries.find((e) => e.conversationId === ROOM)!.firstUnread).toMatchObject({messageId: 'sys', messageType: 'system', isDeleted: false});
		// Read everything: nothing to summarise.
		await db.query("UPDATE conversation_members SET last_read_seq = 1000000 WHERE user_id = 'carol'");
		await db.query("INSERT INTO conversation_members (user_id, conversation_id, last_read_seq) VALUES ('carol', 'all', 1000000)");
		expect(await loadAwaySummary(db, 'carol')).toEqual({entries: [], total: 0});
	});
});

describe('splitHighlights', () => {
	it('returns the ranges between markers and merges adjacent ones', () => {
		expect(splitHighlights('a <x>b</x> c <x>d</x><x>e</x>', '<x>', '</x>')).toEqual({snippet: 'a b c de', matches: [[2, 3], [6, 8]]});
	});

	it('gives no range when the markers do not pair up', () => {
		expect(splitHighlights('a <x>b', '<x>', '</x>')).toEqual({snippet: 'a b', matches: []});
		expect(splitHighlights('a </x>b<x>c</x>', '<x>', '</x>')).toEqual({snippet: 'a bc', matches: []});
	});
});
