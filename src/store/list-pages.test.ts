// The conversation list in pages (issue 12): keyset on (last_message_at DESC NULLS LAST, id),
// ties on last_message_at broken by id (microseconds kept: a JS Date would drop them), no row
// lost or repeated across pages while new messages arrive between them — those that move above
// the walk's top come back in `moved`, once per move. On PostgreSQL and on PGlite (the hub).
import {afterAll, beforeAll, expect, it} from 'vitest';
import {describeOnBothDatabases} from '../../test/helpers/both-databases.js';
import {silentLogger} from '../log.js';
import {openDb, type Db} from './db.js';
import {loadConversationPage, loadConversations, type ConversationPage, type ListCursor} from './history-people.js';
import {runMigrations} from './migrate.js';

const T0 = Date.parse('2026-01-05T10:00:00Z');

function pagesSuite(connect: () => Promise<string>) {
	let db: Db;
	let n = 0;
	// A message stored by the source system's way (the 010 trigger moves last_message_at), at an
	// exact timestamptz text so ties down to the microsecond can be made.
	const message = (conversation: string, sender: string, createdAt: string) =>
		db.query(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
			VALUES ($1, $2, $2, $3, 'text', $3, $4::timestamptz)`,
			[`m-${++n}`, sender, conversation, createdAt],
		);
	/** Walks the whole list for `user` in pages of `size`, running `between(pageIndex)` after each page. */
	const walk = async (user: string, size: number, between: (page: number) => Promise<void> = async () => {}) => {
		const pages: ConversationPage[] = [];
		let cursor: ListCursor | undefined;
		do {
			const page = await loadConversationPage(db, user, size, cursor);
			pages.push(page);
			cursor = page.next;
			await between(pages.length);
		} while (cursor && pages.length < 100);
		return pages;
	};
	const ids = (pages: ConversationPage[]) => pages.flatMap((p) => p.conversations.map((c) => c.conversationId));

	beforeAll(async () => {
		const url = await connect();
		await runMigrations({databaseUrl: url, logger: silentLogger()});
		db = openDb({databaseUrl: url, max: 1});
		// alice: 12 direct chats; c-00…c-03 share one last_message_at to the microsecond, c-04 and
		// c-05 are 1 µs apart (same millisecond), c-11 has no message yet (NULL, sorts last).
		const peers = Array.from({length: 12}, (_, i) => `p${String(i).padStart(2, '0')}`);
		await db.query(`INSERT INTO conversations (id, kind, title, topic, created_at)
			SELECT 'alice:' || p, 'direct', '', '', $2 FROM unnest($1::text[]) AS p`, [peers, new Date(T0)]);
		await db.query(`INSERT INTO conversation_members (user_id, conversation_id, joined_at)
			SELECT u, 'alice:' || p, $2 FROM unnest($1::text[]) AS p, unnest(ARRAY['alice', p]) AS u`, [peers, new Date(T0)]);
		for (const i of [0, 1, 2, 3]) await message(`alice:${peers[i]}`, peers[i]!, '2026-01-05 10:05:00.123456+00');
		await message('alice:p04', 'p04', '2026-01-05 10:04:00.000002+00');
		await message('alice:p05', 'p05', '2026-01-05 10:04:00.000001+00');
		for (const i of [6, 7, 8, 9, 10]) await message(`alice:${peers[i]}`, peers[i]!, `2026-01-05 10:0${i - 6}:00+00`);
	}, 60_000);
	afterAll(async () => {
		await db?.close();
	});

	// The order: the four tied at 10:05:00.123456 by id, then 10:04:00.000002, .000001, then
	// 10:04 … 10:00, then `all` (no message: NULL), c-11 (NULL), by id.
	const ORDER = ['alice:p00', 'alice:p01', 'alice:p02', 'alice:p03', 'alice:p04', 'alice:p05', 'alice:p10', 'alice:p09', 'alice:p08', 'alice:p07', 'alice:p06', 'alice:p11', 'all'];

	it('pages by keyset through ties on last_message_at (to the microsecond) and the rows without messages, each row once', async () => {
		const all = await loadConversations(db, 'alice', 100);
		expect(all.map((c) => c.conversationId)).toEqual(ORDER);
		for (const size of [1, 2, 3, 5, 13]) {
			const pages = await walk('alice', size);
			expect(ids(pages), `pages of ${size}`).toEqual(ORDER);
			expect(pages.every((p) => p.moved.length === 0)).toBe(true);
			expect(pages.at(-1)!.next).toBeUndefined();
			expect(pages.slice(0, -1).every((p) => p.conversations.length === size)).toBe(true);
		}
		// A page deep in the list costs no OFFSET: it starts from the cursor alone.
		const second = await loadConversationPage(db, 'alice', 3, (await loadConversationPage(db, 'alice', 3)).next);
		expect(second.conversations.map((c) => c.conversationId)).toEqual(ORDER.slice(3, 6));
	});

	it('loses and repeats nothing while new messages arrive between pages: a moved conversation comes back once in `moved`', async () => {
		const seen = new Map<string, number>();
		const movedSeen: string[][] = [];
		// After page 1: a new message in p08 (not reached yet: it moves above the walk) and in p00
		// (already shown); after page 2: p11 gets its first message; after page 3: p08 again.
		const arrivals: Record<number, string[]> = {1: ['alice:p08', 'alice:p00'], 2: ['alice:p11'], 3: ['alice:p08']};
		let minute = 10;
		const pages = await walk('alice', 3, async (page) => {
			for (const conversation of arrivals[page] ?? []) await message(conversation, 'alice', `2026-01-05 10:${minute++}:00+00`);
		});
		for (const page of pages) {
			for (const c of page.conversations) seen.set(c.conversationId, (seen.get(c.conversationId) ?? 0) + 1);
			movedSeen.push(page.moved.map((c) => c.conversationId));
		}
		// Every conversation once in the walk's own pages, or (having moved before the walk got
		// there) in `moved` — none lost.
		expect([...seen.values()].every((count) => count === 1)).toBe(true);
		const everything = new Set([...seen.keys(), ...movedSeen.flat()]);
		expect([...everything].sort()).toEqual([...ORDER].sort());
		expect(seen.has('alice:p08')).toBe(false);
		expect(seen.has('alice:p11')).toBe(false);
		// Each move is reported once, in the page after it happened, newest first, with its new message.
		expect(movedSeen.slice(0, 4)).toEqual([[], ['alice:p00', 'alice:p08'], ['alice:p11'], ['alice:p08']]);
		expect(movedSeen.slice(4).flat()).toEqual([]);
		const reported = pages[1]!.moved.find((c) => c.conversationId === 'alice:p08');
		expect(reported?.lastMessage?.senderId).toBe('alice');
		// A fresh first page shows the new order.
		expect((await loadConversations(db, 'alice', 3)).map((c) => c.conversationId)).toEqual(['alice:p08', 'alice:p11', 'alice:p00']);
	});
}

await describeOnBothDatabases('the conversation list in keyset pages', pagesSuite);
