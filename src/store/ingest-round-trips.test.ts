// Issue 12: a batch of messages costs BEGIN, two statements and COMMIT — the conversations are
// created or locked in one statement (ENSURE_AND_LOCK_CHAINS), and the INSERT returns each row's
// prev_seq and the id clashes — and that transaction skips chat_messages' per-row ensure
// trigger (migration 011), which every other writer still gets.
import type pg from 'pg';
import {describe, expect, it} from 'vitest';
import {BROADCAST_ID, conversationIdFor} from '../protocol/index.js';
import {isPostgresReachable, useMigratedDatabase} from '../../test/helpers/db.js';
import type {Db} from './db.js';
import {writeIngestBatch, type MessageRow} from './ingest-queries.js';

const ROOM = 'room-0b1c2d3e-0000-4000-8000-0000000011aa';
const message = (id: string, from: string, to: string): MessageRow => ({
	messageId: id, senderId: from, senderName: from, receiverId: to, content: `text ${id}`, messageType: 'text',
	sentAt: '2026-01-01T00:00:00.000Z', version: 2,
	conversationId: to === BROADCAST_ID ? BROADCAST_ID : to.startsWith('room-') ? to : conversationIdFor(from, to),
});
const empty = {messages: [], receipts: [], presences: []};

/**
 * `db` whose transactions report every statement they send (its first line) and may run
 * `afterStatement` (awaited, the transaction waiting) after each one.
 */
function watched(db: Db, afterStatement?: (text: string) => Promise<void>): {db: Db; statements: string[]} {
	const statements: string[] = [];
	return {
		statements,
		db: {
			...db,
			withTransaction: (work) => db.withTransaction((client) => work(new Proxy(client, {
				get(target, key, receiver) {
					if (key !== 'query') return Reflect.get(target, key, receiver) as unknown;
					return async (text: string, values?: unknown[]) => {
						const result = await target.query(text, values);
						statements.push(text.trim().split('\n')[0]!);
						await afterStatement?.(text);
						return result;
					};
				},
			}) as pg.PoolClient)),
		},
	};
}

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('the ingester\'s round trips per batch', () => {
	const suite = useMigratedDatabase();

	it('stores messages into existing and new conversations with two statements, chain and clashes included', async () => {
		await writeIngestBatch(suite.db, {...empty, messages: [message('rt0', 'ann', 'ben'), message('rt1', 'cat', 'ann')]});
		const {db, statements} = watched(suite.db);
		// Existing and new direct conversations, the broadcast, and one id two senders use.
		const result = await writeIngestBatch(db, {...empty, messages: [
			message('rt2', 'ann', 'ben'), message('rt3', 'ann', 'dan'), message('rt4', 'ben', BROADCAST_ID), message('rt1', 'ben', 'ann'), message('rt5', 'ann', 'ben'),
		]});
		expect(statements).toHaveLength(2);
		expect(result.inserted).toBe(5);
		expect(result.idClashes).toEqual([{messageId: 'rt1', senderId: 'ben', otherSenderId: 'cat'}]);
		// The chain came back with the rows: each prevSeq is the stored seq before it.
		const seqs = new Map((await suite.db.query<{message_id: string; sender_id: string; seq: string}>('SELECT message_id, sender_id, seq FROM chat_messages')).rows
			.map((r) => [`${r.sender_id}/${r.message_id}`, Number(r.seq)]));
		const seq = (from: string, id: string) => seqs.get(`${from}/${id}`)!;
		expect(result.stored.map((m) => [m.messageId, m.prevSeq])).toEqual([
			['rt2', seq('ann', 'rt0')], ['rt3', 0], ['rt4', 0], ['rt1', seq('ann', 'rt2')], ['rt5', seq('ben', 'rt1')],
		]);
		// The new direct conversation was created with both members, its creator the first sender.
		const created = await suite.db.query("SELECT c.kind, c.created_by, array_agg(m.user_id ORDER BY m.user_id) AS members FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id WHERE c.id = 'ann:dan' GROUP BY 1, 2");
		expect(created.rows).toEqual([{kind: 'direct', created_by: 'ann', members: ['ann', 'dan']}]);
	});

	it('reports two senders using one id inside one batch', async () => {
		const result = await writeIngestBatch(suite.db, {...empty, messages: [message('in1', 'eve', 'fay'), message('in1', 'fay', 'eve'), message('in2', 'eve', 'fay')]});
		expect(result.inserted).toBe(3);
		expect(result.idClashes).toEqual([
			{messageId: 'in1', senderId: 'eve', otherSenderId: 'fay'},
			{messageId: 'in1', senderId: 'fay', otherSenderId: 'eve'},
		]);
	});

	it('holds the batch\'s conversations, rooms included, FOR NO KEY UPDATE from its first statement on', async () => {
		await writeIngestBatch(suite.db, {...empty, rooms: [{messageId: 'lk0', conversationId: ROOM, senderId: 'gus', senderName: 'gus', action: 'create', title: 'Locks', userIds: [], sentAt: '2026-01-01T00:00:00.000Z'}]});
		await writeIngestBatch(suite.db, {...empty, messages: [message('lk1', 'gus', 'hal'), message('lk0', 'hal', 'ida')]});
		const held: string[] = [];
		const keyShared: string[] = [];
		const {db} = watched(suite.db, async (text) => {
			if (held.length > 0 || !text.includes('set_config')) return;
			for (const id of ['gus:hal', ROOM, 'all', 'hal:ida']) {
				// Another session's chain lock on each, without waiting: taken only where this batch holds none.
				const other = await suite.db.query<{id: string}>('SELECT id FROM conversations WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED', [id]);
				if (other.rows.length === 0) held.push(id);
				// A foreign-key check's lock (receipts, read markers) still passes: the chain lock is NO KEY UPDATE, not UPDATE.
				const check = await suite.db.query<{id: string}>('SELECT id FROM conversations WHERE id = $1 FOR KEY SHARE SKIP LOCKED', [id]);
				if (check.rows.length === 1) keyShared.push(id);
			}
		});
		await writeIngestBatch(db, {...empty, messages: [message('lk2', 'gus', 'hal'), message('lk3', 'gus', ROOM), message('lk4', 'gus', 'ida'), message('lk5', 'gus', BROADCAST_ID)]});
		// The batch's existing conversations, not another one (hal:ida); gus:ida, new, is not visible to other sessions before COMMIT.
		expect(held).toEqual(['gus:hal', ROOM, 'all']);
		expect(keyShared).toEqual(['gus:hal', ROOM, 'all', 'hal:ida']);
	});

	it('skips the ensure trigger only in a transaction that ensured its conversations (migration 011)', async () => {
		const insert = (client: pg.PoolClient, id: string, conversationId: string) =>
			client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id) VALUES ($1, 'jo', 'jo', 'x', 'hi', $2)`, [id, conversationId]);
		// Any other writer (the Hermes source system): its first message creates the conversation.
		await suite.db.withTransaction((client) => insert(client, 'tg1', 'jo:kai'));
		expect((await suite.db.query("SELECT kind FROM conversations WHERE id = 'jo:kai'")).rows).toEqual([{kind: 'direct'}]);
		// A transaction that says it ensured them gets no help: a missing conversation fails the foreign key.
		const said = suite.db.withTransaction(async (client) => {
			await client.query("SELECT set_config('hermes.conversations_ensured', 'on', true)");
			await insert(client, 'tg2', 'jo:lu');
		});
		await expect(said).rejects.toMatchObject({code: '23503'});
		// The setting ends with its transaction: the next one on the same session gets the trigger again.
		const client = await suite.db.pool.connect();
		try {
			await client.query('BEGIN');
			await client.query("SELECT set_config('hermes.conversations_ensured', 'on', true)");
			await client.query('COMMIT');
			await insert(client, 'tg3', 'jo:mo');
		} finally {
			client.release();
		}
		expect((await suite.db.query("SELECT kind FROM conversations WHERE id = 'jo:mo'")).rows).toEqual([{kind: 'direct'}]);
	});
});
