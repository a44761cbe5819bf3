// History pages of issue 10 on the real PostgreSQL: the page around a message (keyset both ways,
// hasMore/hasNewer at the edges) and what a page reads of edits, deletes, reactions and replies.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {openDb, type Db} from './db.js';
import {loadAroundPage, loadLatestPage} from './history.js';
import {loadMessageVersion} from './history-actions.js';
import {writeIngestBatch, type MessageActionRow, type MessageRow} from './ingest-queries.js';
import {runMigrations} from './migrate.js';

const AT = '2026-01-01T00:00:00.000Z';
const DM = 'ann:bea';
const empty = {messages: [], receipts: [], presences: []};
const post = (i: number, extra: Partial<MessageRow> = {}): MessageRow => ({
	messageId: `h-${i}`, senderId: i % 2 ? 'ann' : 'bea', senderName: i % 2 ? 'Ann' : 'Bea', receiverId: i % 2 ? 'bea' : 'ann',
	content: `message ${i}`, messageType: 'text', sentAt: AT, conversationId: DM, version: 2, ...extra,
});
const act = (kind: MessageActionRow['kind'], id: string, actor: string, i: number, extra: Partial<MessageActionRow> = {}): MessageActionRow => ({
	kind, actionId: id, actorId: actor, actorName: actor, conversationId: DM, targetSenderId: i % 2 ? 'ann' : 'bea', targetMessageId: `h-${i}`, sentAt: AT, ...extra,
});

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('history pages with message actions', () => {
	let database: TestDatabase;
	let db: Db;
	let seqs: number[];

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url});
		const first = await writeIngestBatch(db, {...empty, messages: Array.from({length: 10}, (_, i) => post(i + 1))});
		seqs = first.stored.map((m) => m.seq);
		await writeIngestBatch(db, {...empty, messages: [post(11, {replyTo: {senderId: 'ann', messageId: 'h-1'}})]});
		await writeIngestBatch(db, {...empty, actions: [
			act('edit', 'e1', 'ann', 1, {content: 'message 1, edited', version: 1}),
			act('react', 'r1', 'bea', 3, {emoji: '👍', isOn: true}),
			act('react', 'r2', 'ann', 3, {emoji: '👍', isOn: true}),
			act('delete', 'd1', 'bea', 4),
		]});
		// A later batch: reactions stored in one transaction share a time (then emoji sort by code point).
		await writeIngestBatch(db, {...empty, actions: [act('react', 'r3', 'ann', 3, {emoji: '🎉', isOn: true})]});
	});
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('opens the page around a message: half before (it included), the rest after, with both edges known', async () => {
		const middle = await loadAroundPage(db, DM, seqs[4]!, 4, 'ann');
		expect(middle.messages.map((m) => m.messageId)).toEqual(['h-4', 'h-5', 'h-6', 'h-7']);
		expect([middle.hasMore, middle.hasNewer]).toEqual([true, true]);
		const start = await loadAroundPage(db, DM, seqs[0]!, 4, 'ann');
		expect(start.messages.map((m) => m.messageId)).toEqual(['h-1', 'h-2', 'h-3', 'h-4']);
		expect([start.hasMore, start.hasNewer]).toEqual([false, true]);
		const end = await loadAroundPage(db, DM, seqs[9]! + 1, 4, 'ann');
		expect(end.messages.map((m) => m.messageId)).toEqual(['h-8', 'h-9', 'h-10', 'h-11']);
		expect([end.hasMore, end.hasNewer]).toEqual([true, false]);
	});

	it('reads the edit, the delete, the reactions (emoji in order of first use, users oldest first) and the reply quote', async () => {
		const page = await loadLatestPage(db, DM, 20, 'bea');
		const byId = new Map(page.messages.map((m) => [m.messageId, m]));
		expect(byId.get('h-1')).toMatchObject({content: 'message 1, edited', version: 1, editedAt: expect.any(Number)});
		expect(byId.get('h-2')).not.toHaveProperty('version');
		// bea and ann reacted in one transaction (one time): then by user id.
		expect(byId.get('h-3')?.reactions).toEqual({'👍': ['ann', 'bea'], '🎉': ['ann']});
		expect(byId.get('h-4')).toMatchObject({content: '', deletedBy: 'bea', deletedAt: expect.any(Number)});
		expect(byId.get('h-11')?.replyTo).toEqual({messageId: 'h-1', senderId: 'ann', senderName: 'Ann', preview: 'message 1, edited', version: 1, seq: seqs[0]});
		expect(Object.keys(byId.get('h-3')!.reactions!)).toEqual(['👍', '🎉']);
		expect(await loadMessageVersion(db, 'ann', 'h-1')).toBe(1);
		expect(await loadMessageVersion(db, 'ann', 'h-404')).toBeUndefined();
	});
});
