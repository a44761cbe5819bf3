// The data of the history benchmark (bench/history.ts): 1,000,000 stored messages, generated
// server-side (generate_series, deterministic with setseed) in about a minute or two, and one
// viewer who is a member of 1,000 conversations. Benchmarks are tools: they may import pg.
import pg from 'pg';
import {silentLogger} from '../src/log.js';
import {runMigrations} from '../src/store/migrate.js';

/** Conversations of the viewer: direct chats `viewer:u0001…u0700`. */
export const DIRECTS = 700;
/** Rooms the viewer is in (`room-v0700…v0998`, 10 members each). */
export const VIEWER_ROOMS = 299;
/** Rooms the viewer is not in (`room-o0999…o1498`, {@link OTHER_ROOM_MEMBERS} members): rows the member's policies must skip. */
export const OTHER_ROOMS = 500;
/**
 * Members of each of those rooms (the first 10 write in them): 50,000 member rows of other people,
 * so the viewer holds ~2% of conversation_members, as on a server with many people (with 10% the
 * planner rightly reads the whole table for the viewer's rows, a cost production does not have).
 */
export const OTHER_ROOM_MEMBERS = 100;
/** Every fifth message goes to the viewer's chat with u0001 (200,000 of 1,000,000). */
export const BIG_SHARE = 5;
/** Users besides the viewer: u0001…u1999. */
const USERS = 1_999;
const T0 = '2026-01-01T00:00:00Z';

/** What {@link seedHistory} made, for the queries. */
export interface HistorySeed {
	messages: number;
	/** Conversations in the viewer's list (direct chats + rooms + the broadcast `all`). */
	viewerConversations: number;
	/** The viewer's direct chat holding every {@link BIG_SHARE}th message. */
	big: string;
	/** One of the viewer's rooms (10 members). */
	room: string;
}

/** The direct chat of `viewer` with u0001 (ids sorted, as protocol conversationIdFor). */
export function bigConversation(viewer: string): string {
	return [viewer, 'u0001'].sort().join(':');
}

/**
 * Migrate the database at `databaseUrl` and store `messages` messages: conversation 0 (the viewer
 * with u0001) every {@link BIG_SHARE}th message, the others spread over 699 more direct chats of the
 * viewer, 299 rooms with the viewer, 500 rooms without, and the broadcast `all`. Status rows as the
 * ingester writes them: `read` by the receiver of a direct message (`sent` and
 * `received_by_server` are derived from the message row's sent_at and created_at since migration 008). The viewer has read everything except: 10% of its conversations hold ~10
 * unread messages and 5 rooms were never opened (read marker 0: the unread count scans up to its cap).
 * The viewer's account (role) is NOT made here; the GIN search index is dropped (history reads never use it
 * and inserting 1M rows into it triples the seed time).
 */
export async function seedHistory(databaseUrl: string, viewer: string, messages: number, log: (line: string) => void): Promise<HistorySeed> {
	await runMigrations({databaseUrl, logger: silentLogger()});
	const client = new pg.Client({connectionString: databaseUrl});
	await client.connect();
	const big = bigConversation(viewer);
	try {
		await client.query('DROP INDEX IF EXISTS chat_messages_search');
		// Member k (0…9) of room idx: the viewer is member 0 of its rooms; 101·k mod 1999 keeps the ten distinct.
		await client.query(`CREATE FUNCTION bench_member(idx int, k int, viewer text) RETURNS text LANGUAGE sql IMMUTABLE
			RETURN CASE WHEN k = 0 AND idx < ${DIRECTS + VIEWER_ROOMS} THEN viewer ELSE 'u' || lpad((1 + (idx * 13 + k * 101) % ${USERS})::text, 4, '0') END`);
		await client.query(`INSERT INTO chat_users (user_id, display_name) SELECT 'u' || lpad(i::text, 4, '0'), 'User ' || i FROM generate_series(1, ${USERS}) AS i`);
		await client.query('INSERT INTO chat_users (user_id, display_name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [viewer]);
		await client.query('CREATE TABLE bench_conversations (idx INT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, peer TEXT)');
		await client.query(`INSERT INTO bench_conversations
			SELECT i, CASE WHEN i < ${DIRECTS} THEN CASE WHEN $1 < p THEN $1 || ':' || p ELSE p || ':' || $1 END
					WHEN i < ${DIRECTS + VIEWER_ROOMS} THEN 'room-v' || lpad(i::text, 4, '0')
					WHEN i < ${DIRECTS + VIEWER_ROOMS + OTHER_ROOMS} THEN 'room-o' || lpad(i::text, 4, '0') ELSE 'all' END,
				CASE WHEN i < ${DIRECTS} THEN 'direct' WHEN i < ${DIRECTS + VIEWER_ROOMS + OTHER_ROOMS} THEN 'group' ELSE 'broadcast' END,
				CASE WHEN i < ${DIRECTS} THEN p END
			FROM generate_series(0, ${DIRECTS + VIEWER_ROOMS + OTHER_ROOMS}) AS i
			CROSS JOIN LATERAL (SELECT 'u' || lpad((i + 1)::text, 4, '0') AS p) AS x`, [viewer]);
		await client.query(`INSERT INTO conversations (id, kind, title, created_at)
			SELECT id, kind, CASE WHEN kind = 'group' THEN 'Room ' || idx ELSE '' END, $1::timestamptz - interval '1 day'
			FROM bench_conversations WHERE kind <> 'broadcast'`, [T0]);
		await client.query(`INSERT INTO conversation_members (user_id, conversation_id, role, joined_at)
			SELECT u, c.id, 'member', $2::timestamptz - interval '1 day' FROM bench_conversations c
			CROSS JOIN LATERAL (SELECT $1::text WHERE c.kind = 'direct' UNION ALL SELECT c.peer WHERE c.kind = 'direct'
				UNION ALL SELECT bench_member(c.idx, k, $1) FROM generate_series(0, CASE WHEN c.idx < ${DIRECTS + VIEWER_ROOMS} THEN 9 ELSE ${OTHER_ROOM_MEMBERS - 1} END) AS k
					WHERE c.kind = 'group') AS m (u)`, [viewer, T0]);
		await client.query('INSERT INTO conversation_members (user_id, conversation_id) VALUES ($1, \'all\')', [viewer]);
		await client.query('SELECT setseed(0.24)');
		const batch = 100_000;
		const others = DIRECTS + VIEWER_ROOMS + OTHER_ROOMS; // idx 1…others (others = `all`)
		for (let from = 1; from <= messages; from += batch) {
			const to = Math.min(messages, from + batch - 1);
			await client.query(`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id, created_at, sent_at)
				SELECT 'h' || i, s.sender, 'Name of ' || s.sender,
					CASE WHEN c.kind = 'direct' THEN CASE WHEN s.sender = $1 THEN c.peer ELSE $1 END ELSE c.id END,
					'message ' || i || ' about the release, the meeting and what we do next', c.id, $2::timestamptz + i * interval '1 second',
					$2::timestamptz + i * interval '1 second' - interval '40 milliseconds'
				FROM generate_series($3::int, $4::int) AS i
				JOIN bench_conversations c ON c.idx = CASE WHEN i % ${BIG_SHARE} = 0 THEN 0 ELSE 1 + (i::bigint * 7919) % ${others} END
				CROSS JOIN LATERAL (SELECT CASE WHEN c.kind = 'direct' THEN CASE WHEN random() < 0.5 THEN $1 ELSE c.peer END
					WHEN c.kind = 'group' THEN bench_member(c.idx, floor(random() * 10)::int, $1)
					ELSE 'u' || lpad((1 + i % ${USERS})::text, 4, '0') END AS sender) AS s`,
			[viewer, T0, from, to]);
			log(`history: ${to.toLocaleString('en-US')} messages stored`);
		}
		// `sent` and `received_by_server` are derived from chat_messages since migration 008 (the
		// message_status view, from sent_at: the sender's time, set above as the ingester stores it;
		// without it every message looked like one stored before 008 that had lost its status rows);
		// only receipts are rows, in message_receipts.
		await client.query(`INSERT INTO message_receipts (message_id, sender_id, status, user_id, timestamp)
			SELECT m.message_id, m.sender_id, 'read', m.receiver_id, m.created_at + interval '2 seconds'
			FROM chat_messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.kind = 'direct'`);
		log('history: read rows stored');
		await client.query(`UPDATE conversations c SET last_seq = x.seq, last_message_at = x.at
			FROM (SELECT conversation_id, max(seq) AS seq, max(created_at) AS at FROM chat_messages GROUP BY 1) x WHERE x.conversation_id = c.id`);
		// Everyone has read everything; then the viewer's exceptions.
		await client.query('UPDATE conversation_members m SET last_read_seq = c.last_seq FROM conversations c WHERE c.id = m.conversation_id');
		await client.query(`UPDATE conversation_members m SET last_read_seq = coalesce((SELECT x.seq FROM chat_messages x
				WHERE x.conversation_id = m.conversation_id ORDER BY x.seq DESC OFFSET 20 LIMIT 1), 0)
			FROM bench_conversations b WHERE m.user_id = $1 AND b.id = m.conversation_id AND b.idx % 10 = 3`, [viewer]);
		await client.query(`UPDATE conversation_members m SET last_read_seq = 0
			FROM bench_conversations b WHERE m.user_id = $1 AND b.id = m.conversation_id AND b.idx IN (701, 702, 703, 704, 705)`, [viewer]);
		await client.query('VACUUM ANALYZE');
		const {rows} = await client.query<{messages: string; listed: string}>(`SELECT (SELECT count(*) FROM chat_messages) AS messages,
			(SELECT count(*) FROM conversation_members WHERE user_id = $1 AND left_at IS NULL) AS listed`, [viewer]);
		return {messages: Number(rows[0]!.messages), viewerConversations: Number(rows[0]!.listed), big, room: 'room-v0700'};
	} finally {
		await client.end();
	}
}
