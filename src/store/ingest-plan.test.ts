// The ingester's message INSERT must not read chat_messages whole (issue 12): its reply lookup,
// as a plain LEFT JOIN planned from a growing table's stale statistics, hashed every stored row
// for each batch. Checked on the plan (EXPLAIN, nothing executed), not on a timing.
import {describe, expect, it} from 'vitest';
import {isPostgresReachable, useMigratedDatabase} from '../../test/helpers/db.js';
import {STORE_MESSAGES, writeIngestBatch, type MessageRow} from './ingest-queries.js';

const message = (id: string, from: string, to: string, extra: Partial<MessageRow> = {}): MessageRow => ({
	messageId: id, senderId: from, senderName: from, receiverId: to, content: `text ${id}`, messageType: 'text',
	sentAt: '2026-01-01T00:00:00.000Z', conversationId: [from, to].sort().join(':'), ...extra,
});
const empty = {messages: [], receipts: [], presences: []};

interface PlanNode {
	'Node Type': string;
	'Relation Name'?: string;
	Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe.skipIf(!(await isPostgresReachable()) && process.env.HERMES_REQUIRE_SERVICES !== '1')('the batch INSERT plan', () => {
	const suite = useMigratedDatabase();


	it('looks up reply originals by key, never scanning chat_messages, with statistics taken when it was small', async () => {
		await writeIngestBatch(suite.db, {...empty, messages: [message('s1', 'ann', 'ben'), message('s2', 'ben', 'ann')]});
		// Statistics of a young table (as after the first autoanalyze), then it grows 5,000 rows.
		await suite.db.query('ALTER TABLE chat_messages SET (autovacuum_enabled = off)');
		await suite.db.query('ANALYZE chat_messages');
		await suite.db.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, sent_at)
			SELECT 'g' || i, 'ann', 'ann', 'ben', repeat('lorem ipsum ', 15), 'text', 'ann:ben', now() FROM generate_series(1, 5000) AS i`);
		const n = 500;
		const column = (value: string | null) => Array.from({length: n}, () => value);
		const {rows} = await suite.db.query<{'QUERY PLAN': Array<{Plan: PlanNode}>}>(`EXPLAIN (FORMAT JSON) ${STORE_MESSAGES}`, [
			Array.from({length: n}, (_, i) => `new-${i}`), column('ann'), column('ann'), column('ben'), column('text'), column('text'),
			column('ann:ben'), column(null), column(null), column(''), column('2026-01-01T00:00:00.000Z'), ['ann'], ['ann'],
		]);
		const scans = nodesOf(rows[0]!['QUERY PLAN'][0]!.Plan).filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'chat_messages');
		expect(scans).toEqual([]);
	});

	it('keeps a reply\'s original only within its conversation', async () => {
		await writeIngestBatch(suite.db, {...empty, messages: [message('o1', 'ann', 'ben'), message('o2', 'cat', 'dan')]});
		await writeIngestBatch(suite.db, {...empty, messages: [
			message('r1', 'ben', 'ann', {replyTo: {senderId: 'ann', messageId: 'o1'}}),
			message('r2', 'ben', 'ann', {replyTo: {senderId: 'cat', messageId: 'o2'}}),
		]});
		const {rows} = await suite.db.query<{message_id: string; reply_to_message_id: string | null; is_seq_set: boolean}>(
			"SELECT message_id, reply_to_message_id, reply_to_seq IS NOT NULL AS is_seq_set FROM chat_messages WHERE message_id IN ('r1', 'r2') ORDER BY 1");
		expect(rows).toEqual([
			{message_id: 'r1', reply_to_message_id: 'o1', is_seq_set: true},
			{message_id: 'r2', reply_to_message_id: null, is_seq_set: false},
		]);
	});
});
