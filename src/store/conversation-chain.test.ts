// The conversation chain of writeIngestBatch (issue 11 outcome 5): every message to deliver has
// `prevSeq`, the seq of the previous message of its conversation, exact even with several
// ingesters writing the same conversations at once (the chain locks; see ingest-queries.ts).
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {BROADCAST_ID, conversationIdFor} from '../protocol/index.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../../test/helpers/db.js';
import {openDb, type Db} from './db.js';
import {writeIngestBatch, type MessageRow, type RoomRow, type StoredMessage} from './ingest-queries.js';
import {runMigrations} from './migrate.js';

const ROOM = 'room-0b1c2d3e-0000-4000-8000-00000000c4a1';
const message = (id: string, from: string, to: string): MessageRow => ({
	messageId: id, senderId: from, senderName: from, receiverId: to, content: `text ${id}`, messageType: 'text',
	sentAt: '2026-01-01T00:00:00.000Z', version: 2,
	conversationId: to === BROADCAST_ID ? BROADCAST_ID : to.startsWith('room-') ? to : conversationIdFor(from, to),
});
const empty = {messages: [], receipts: [], presences: []};
const room = (id: string, from: string, extra: Partial<RoomRow>): RoomRow => ({
	messageId: id, conversationId: ROOM, senderId: from, senderName: from, action: 'create', userIds: [], sentAt: '2026-01-01T00:00:00.000Z', ...extra,
});

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('conversation chain (prevSeq)', () => {
	let database: TestDatabase;
	let db: Db;

	/** Every stored seq of `conversationId`, ascending. */
	const seqsOf = async (conversationId: string) =>
		(await db.query<{seq: string}>('SELECT seq FROM chat_messages WHERE conversation_id = $1 ORDER BY seq', [conversationId])).rows.map((r) => Number(r.seq));

	/** Each delivered message's prevSeq must be the stored seq just below its own (0 for the first). */
	async function expectExactChain(delivered: readonly StoredMessage[]): Promise<void> {
		const byConversation = new Map<string, number[]>();
		for (const m of delivered) if (!byConversation.has(m.conversationId)) byConversation.set(m.conversationId, await seqsOf(m.conversationId));
		for (const m of delivered) {
			const seqs = byConversation.get(m.conversationId)!;
			const i = seqs.indexOf(m.seq);
			expect(i, `${m.messageId} is stored`).toBeGreaterThanOrEqual(0);
			expect(m.prevSeq, `prevSeq of ${m.messageId} (seq ${m.seq}) in ${m.conversationId}`).toBe(i === 0 ? 0 : seqs[i - 1]);
		}
	}

	beforeAll(async () => {
		database = await createTestDatabase();
		await runMigrations({databaseUrl: database.url, logger: silentLogger()});
		db = openDb({databaseUrl: database.url, max: 6});
	});
	afterAll(async () => {
		await db?.close();
		await database?.drop();
	});

	it('chains messages, system lines and redelivered copies per conversation, interleaved conversations included', async () => {
		const first = await writeIngestBatch(db, {
			...empty,
			rooms: [room('r1', 'kim', {title: 'Ops', userIds: ['lee']})],
			messages: [message('a1', 'ann', 'ben'), message('g1', 'lee', ROOM), message('a2', 'ben', 'ann'), message('b1', 'kim', BROADCAST_ID), message('g2', 'kim', ROOM)],
		});
		expect(first.stored.map((m) => [m.messageId, m.prevSeq])).toEqual([
			['r1', 0],
			['a1', 0],
			['g1', first.stored[0]!.seq],
			['a2', first.stored[1]!.seq],
			['b1', 0],
			['g2', first.stored[2]!.seq],
		]);
		// A later batch continues each chain; a resent a1 is delivered again with its own prev (0).
		const second = await writeIngestBatch(db, {...empty, rooms: [room('r2', 'kim', {action: 'rename', title: 'Ops 2'})], messages: [message('a3', 'ann', 'ben'), message('a1', 'ann', 'ben')]});
		const bySeq = (id: string) => [...first.stored, ...second.stored].find((m) => m.messageId === id)!.seq;
		expect(second.stored.map((m) => [m.messageId, m.prevSeq])).toEqual([
			['a1', 0],
			['r2', bySeq('g2')],
			['a3', bySeq('a2')],
		]);
		await expectExactChain([...first.stored, ...second.stored]);
	});

	it('stays exact with several ingesters writing the same conversations at once', async () => {
		const writers = 5;
		const rounds = 12;
		const delivered: StoredMessage[] = [];
		const targets = ['ben', 'cid', BROADCAST_ID];
		await Promise.all(
			Array.from({length: writers}, async (_, w) => {
				for (let r = 0; r < rounds; r++) {
					// Each batch writes to the conversations in a different order, several messages each.
					const messages = Array.from({length: 6}, (_, k) => message(`w${w}-r${r}-${k}`, 'ann', targets[(w + r + k) % targets.length]!));
					const result = await writeIngestBatch(db, {...empty, messages});
					delivered.push(...result.stored);
				}
			}),
		);
		expect(delivered).toHaveLength(writers * rounds * 6);
		await expectExactChain(delivered);
	}, 60_000);
});
