// Test helper: bulk-seed one conversation (e.g. 100,000 messages) in a few statements.
// Used by the client integration test, the TUI end-to-end test and benchmarks.
import {BROADCAST_ID, conversationIdFor} from '../../src/protocol/index.js';
import {openDb} from '../../src/store/db.js';

/** Options for {@link seedConversation}. */
export interface SeedOptions {
	/** A migrated database. */
	databaseUrl: string;
	/** The two participants (messages alternate between them, `a` first), or `[a, 'all']` for broadcasts by `a`. */
	between: [string, string];
	/** How many messages (default 100,000). */
	count?: number;
	/** Prefix of message ids: `${prefix}-${i}` with i = 1…count (default `seed`). */
	idPrefix?: string;
	/** Storage time of message i is `end - (count - i) * spacingMs` (default end now, spacing 1000 ms). */
	endAt?: Date;
	spacingMs?: number;
	/** Also insert `sent` + `received_by_server` rows per message (default false: 2× more rows). */
	withStatusRows?: boolean;
}

/** What {@link seedConversation} stored. */
export interface SeedResult {
	conversationId: string;
	/** seq of message 1 and of message `count` (message i has `firstSeq + i - 1` when nobody else writes meanwhile). */
	firstSeq: number;
	lastSeq: number;
	/** Storage time of message i, in ms: `(i) => …`. */
	createdAtOf: (i: number) => number;
}

const INSERT_MESSAGES = `
WITH inserted AS (
INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at)
SELECT $1 || '-' || i,
	CASE WHEN $6::text = '${BROADCAST_ID}' OR i % 2 = 1 THEN $2 ELSE $3 END,
	CASE WHEN $6::text = '${BROADCAST_ID}' OR i % 2 = 1 THEN $4 ELSE $5 END,
	CASE WHEN $6::text = '${BROADCAST_ID}' THEN '${BROADCAST_ID}' WHEN i % 2 = 1 THEN $3 ELSE $2 END,
	'message ' || i, $7, $8::timestamptz - (($9::int - i) * $10::float8 * interval '1 millisecond')
FROM generate_series(1, $9::int) AS i
ORDER BY i
RETURNING seq)
SELECT min(seq) AS first_seq, max(seq) AS last_seq FROM inserted`;

const INSERT_STATUS_ROWS = `
INSERT INTO message_status (message_id, status, timestamp, user_id)
SELECT m.message_id, s.status, m.created_at, m.sender_id
FROM chat_messages m CROSS JOIN (VALUES ('sent'), ('received_by_server')) AS s(status)
WHERE m.conversation_id = $1 AND m.message_id LIKE $2 || '-%'
ON CONFLICT DO NOTHING`;

const UPSERT_USERS = `
INSERT INTO chat_users (user_id, display_name) SELECT * FROM unnest($1::text[], $2::text[])
ON CONFLICT (user_id) DO NOTHING`;

// Migration 004: the conversation row comes first (chat_messages references it); its activity
// is the newest seeded message; members join at the first one.
const UPSERT_CONVERSATION = `
INSERT INTO conversations (id, kind, created_at) VALUES ($1, $2, $3)
ON CONFLICT (id) DO NOTHING`;

const UPDATE_ACTIVITY = `
UPDATE conversations SET last_seq = GREATEST(last_seq, $2), last_message_at = GREATEST(last_message_at, $3) WHERE id = $1`;

const UPSERT_MEMBER = `
INSERT INTO conversation_members (user_id, conversation_id, joined_at, last_read_seq)
VALUES ($1, $2, $3, 0)
ON CONFLICT (user_id, conversation_id) DO NOTHING`;

/**
 * Insert `count` messages into the conversation of `between` with `INSERT … SELECT
 * generate_series` (100,000 rows in about a second), plus chat_users and
 * conversation_members rows (read markers 0, so every message from the peer is unread).
 * Display names are the ids with a capital first letter.
 * @throws the driver's error (e.g. duplicate message ids when a prefix is reused).
 */
export async function seedConversation(options: SeedOptions): Promise<SeedResult> {
	const [a, b] = options.between;
	const count = options.count ?? 100_000;
	const prefix = options.idPrefix ?? 'seed';
	const endAt = options.endAt ?? new Date();
	const spacingMs = options.spacingMs ?? 1_000;
	const conversationId = conversationIdFor(a, b);
	const db = openDb({databaseUrl: options.databaseUrl, max: 1});
	try {
		return await db.withTransaction(async (client) => {
			const nameOf = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);
			const startAt = new Date(endAt.getTime() - count * spacingMs);
			await client.query(UPSERT_CONVERSATION, [conversationId, b === BROADCAST_ID ? 'broadcast' : 'direct', startAt]);
			const {rows} = await client.query<{first_seq: string; last_seq: string}>(INSERT_MESSAGES, [
				prefix, a, b, nameOf(a), nameOf(b), b, conversationId, endAt, count, spacingMs,
			]);
			const firstSeq = Number(rows[0]!.first_seq);
			const lastSeq = Number(rows[0]!.last_seq);
			if (options.withStatusRows) await client.query(INSERT_STATUS_ROWS, [conversationId, prefix]);
			const people = b === BROADCAST_ID ? [a] : [a, b];
			await client.query(UPSERT_USERS, [people, people.map(nameOf)]);
			await client.query(UPDATE_ACTIVITY, [conversationId, lastSeq, endAt]);
			for (const person of people) await client.query(UPSERT_MEMBER, [person, conversationId, startAt]);
			return {
				conversationId,
				firstSeq,
				lastSeq,
				createdAtOf: (i: number) => endAt.getTime() - (count - i) * spacingMs,
			};
		});
	} finally {
		await db.close();
	}
}
