// The ingester's writes: one transaction per batch of messages, receipts and presence.
// May import pg (via db.ts) and protocol/ only. Reads live in history.ts (another owner).
import type pg from 'pg';
import {BROADCAST_ID, MAX_REPLY_PREVIEW_LENGTH, conversationKindOf, directMembersOf, mentionsOf} from '../protocol/index.js';
import {currentMembers, type RoomRow, type StoredMessage} from './ingest-rows.js';
import {applyRoomAction} from './room-actions.js';
import {applyMessageAction, type MessageActionRow, type StoredChange} from './message-actions.js';

export {currentMembers, clampContent, type RoomRow, type StoredMessage} from './ingest-rows.js';
export type {MessageActionRow, StoredChange} from './message-actions.js';
import type {Db} from './db.js';

/**
 * The transaction-local setting by which a writer says it has created or locked the conversations
 * of every chat_messages row it inserts (ENSURE_AND_LOCK_CHAINS sets it): migration 011 skips
 * chat_messages' per-row ensure trigger while it is 'on'.
 */
const CONVERSATIONS_ENSURED = 'hermes.conversations_ensured';

// Every statement takes whole columns as arrays (unnest), so a batch costs a fixed number of
// round trips whatever its size; ON CONFLICT makes each one idempotent because QoS 1 redelivers.
// Mentions (migration 007) travel as one space-separated string per message (unnest cannot take
// an array of arrays; user ids never contain a space); '' = none, stored as NULL.
// Upserts lock rows in key order so two ingesters sharing a subscription cannot deadlock.
// A reply keeps its original only when it is stored in the same conversation (a reference to
// another conversation's message would show its text to people who cannot read it).
// One statement per batch of messages (issue 12: the batch used to be re-read twice by
// message_id = ANY, and every statement is a round trip the ingester waits for): the INSERT,
// with the sender's time in sent_at (message_status derives the `sent` and `received_by_server`
// rows from it and created_at, migration 008), then from its RETURNING rows only — so a re-sent
// message changes nothing — the senders in chat_users, the
// sender's read marker (GREATEST; creates a broadcast sender's member row), for the first stored row of each conversation other than
// `all` its current members (the fan-out's recipients, user ids sorted), and each row's prev_seq
// (the conversation chain, see PREV_SEQS: the previous row of this statement in its
// conversation, else the greatest seq below it that the statement's snapshot sees — taken
// after ENSURE_AND_LOCK_CHAINS, so every earlier writer of a locked conversation has committed
// and is seen; COALESCE evaluates the probe only for a conversation's first row). Then, as rows
// with other_sender_id set (and no seq), the batch's ids another sender stored before this
// statement (migration 003 lets both be stored; such a clash is a squatting attempt or a broken
// client, so it is reported; the writer adds the clashes inside the batch). Both were a
// statement of their own: folding them in saved two round trips per batch (issue 12). The conversations'
// last_seq/last_message_at are advanced by chat_messages' statement trigger (migration 010), one
// UPDATE per batch, in id order. The sibling INSERTs
// touch different tables, so none needs to see another's rows.
// Upserts lock rows in key order so two ingesters sharing a subscription cannot deadlock. A
// reply keeps its original only when it is stored in the same conversation (a reference to
// another conversation's message would show its text to people who cannot read it). The
// original is looked up per row by its unique key (LATERAL … LIMIT 1 keeps the planner from
// turning it into a join): as a plain LEFT JOIN, planned from the statistics of a table that
// had just started growing, it hashed all of chat_messages for every batch, replies or not —
// a sequential scan whose cost grew with the table (9,500 rows read for a batch of 500 at
// 10,000 stored; issue 12, seen with auto_explain).
// Parameters: $1..$11 one entry per message (ids, sender, names, receiver, content, type,
// conversation, reply sender/id, mentions, sender's time); $12/$13 one entry per sender, sorted.
/** The batch's message INSERT (exported for its plan test, src/store/ingest-plan.test.ts; not an API). */
export const STORE_MESSAGES = `
WITH input AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
		WITH ORDINALITY AS t(message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id, reply_sender_id, reply_message_id, mentions, sent_at, ord)
), inserted AS (
	INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id,
		reply_to_sender_id, reply_to_message_id, reply_to_seq, mentions, sent_at)
	SELECT t.message_id, t.sender_id, t.sender_name, t.receiver_id, t.content, t.message_type, t.conversation_id,
		o.sender_id, o.message_id, o.seq, string_to_array(nullif(t.mentions, ''), ' '), t.sent_at
	FROM input t
		LEFT JOIN LATERAL (SELECT o.sender_id, o.message_id, o.seq FROM chat_messages o
			WHERE o.message_id = t.reply_message_id AND o.sender_id = t.reply_sender_id AND o.conversation_id = t.conversation_id
			LIMIT 1) o ON true
	ORDER BY t.ord
	ON CONFLICT (message_id, sender_id) DO NOTHING
	RETURNING message_id, sender_id, conversation_id, seq, created_at, reply_to_seq
), senders AS (
	INSERT INTO chat_users (user_id, display_name, last_seen_at)
	SELECT user_id, display_name, now() FROM unnest($12::text[], $13::text[]) AS t(user_id, display_name)
	ON CONFLICT (user_id) DO UPDATE SET
		display_name = EXCLUDED.display_name, last_seen_at = now(), updated_at = now()
), markers AS (
	INSERT INTO conversation_members (user_id, conversation_id, last_read_seq)
	SELECT sender_id, conversation_id, max(seq) FROM inserted
	GROUP BY 1, 2
	ORDER BY 1, 2
	ON CONFLICT (user_id, conversation_id) DO UPDATE SET
		last_read_seq = GREATEST(conversation_members.last_read_seq, EXCLUDED.last_read_seq)
), clashes AS (
	SELECT DISTINCT t.message_id, t.sender_id, o.sender_id AS other_sender_id
	FROM input t
		-- OFFSET 0 keeps the planner from pulling the subquery up into a join (a hash of all of
		-- chat_messages, as the reply lookup once was): one index probe per row.
		CROSS JOIN LATERAL (SELECT o.sender_id FROM chat_messages o WHERE o.message_id = t.message_id AND o.sender_id <> t.sender_id OFFSET 0) o
)
SELECT i.message_id, i.sender_id, i.seq, i.created_at, i.reply_to_seq,
	CASE WHEN i.conversation_id <> '${BROADCAST_ID}' AND row_number() OVER (PARTITION BY i.conversation_id ORDER BY i.seq) = 1
		THEN ARRAY(SELECT cm.user_id FROM conversation_members cm
			WHERE cm.conversation_id = i.conversation_id AND cm.left_at IS NULL ORDER BY cm.user_id) END AS members,
	coalesce(lag(i.seq) OVER (PARTITION BY i.conversation_id ORDER BY i.seq),
		(SELECT max(p.seq) FROM chat_messages p WHERE p.conversation_id = i.conversation_id AND p.seq < i.seq), 0) AS prev_seq,
	NULL AS other_sender_id
FROM inserted i
UNION ALL
SELECT c.message_id, c.sender_id, NULL, NULL, NULL, NULL, NULL, c.other_sender_id
FROM clashes c
ORDER BY seq, message_id, sender_id, other_sender_id`;

// The conversation chain (issue 11 outcome 5): every delivered message carries `prev_seq`, the
// seq of its conversation's previous message, so a client can dedupe by (conversation, seq) in
// memory bounded by the holes it saw. That is exact only if, within one conversation, seqs are
// allocated (nextval at INSERT) and committed in the same order: each inserter first takes the
// conversation row's lock, so a second ingester's insert into that conversation waits for our
// COMMIT and gets a greater seq. Room actions lock the room FOR UPDATE (room-actions.ts) before
// their system line; a batch with room actions takes this lock on all its conversations first,
// and messages take it with ENSURE_AND_LOCK_CHAINS (below), in id order (no deadlocks between ingesters).
// NO KEY UPDATE, not UPDATE: it serialises inserters and room actions but not the foreign-key
// checks (FOR KEY SHARE) of receipts and read markers in the same conversation. The same lock
// orders two batches in flight of one ingester (writer.ts starts the next transaction once this
// one holds its locks): a reader never sees seq n+1 committed before seq n, and the fan-out
// leaves in seq order per conversation.
const LOCK_CONVERSATION_CHAINS = `SELECT id FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`;

// Each delivered message's prev_seq: its conversation's greatest seq below its own (index
// chat_messages_conversation_seq, one backward probe each). Run under the chain locks, after
// the inserts: every seq below ours in a locked conversation is committed or ours (see above).
const PREV_SEQS = `
SELECT coalesce((SELECT max(p.seq) FROM chat_messages p WHERE p.conversation_id = t.conversation_id AND p.seq < t.seq), 0)::text AS prev_seq
FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS t(seq, conversation_id, ord)
ORDER BY t.ord`;

// The quote of replies to deliver: the original's sender name and first 100 characters (none once deleted).
const QUOTES = `SELECT seq, sender_id, message_id, sender_name, CASE WHEN deleted_at IS NULL THEN left(content, ${MAX_REPLY_PREVIEW_LENGTH}) END AS preview
FROM chat_messages WHERE seq = ANY($1::bigint[])`;

// Which of these (message_id, sender_id) are stored: a message the ingester is about to
// reject may have been stored from an earlier, valid copy; that one is confirmed instead.
const FIND_STORED = `
SELECT t.message_id, t.sender_id
FROM unnest($1::text[], $2::text[]) AS t(message_id, sender_id)
WHERE EXISTS (SELECT 1 FROM chat_messages m WHERE m.message_id = t.message_id AND m.sender_id = t.sender_id)`;

// The chain locks of a batch's messages and the conversations they need, in ONE statement (issue
// 12: ensuring, then locking, were two round trips per batch). $1..$3 one entry per conversation,
// ids distinct and sorted: each row is inserted — a direct conversation's first message creates
// it (`all` exists from migration 004 on) — or, when it exists, locked by ON CONFLICT DO UPDATE
// … WHERE false: PostgreSQL locks the conflicting row and updates nothing; as `kind` is in no
// unique index, the lock is FOR NO KEY UPDATE, as LOCK_CONVERSATION_CHAINS takes (a row another
// transaction is inserting is waited for, then locked). Rows are taken in id order, so two
// ingesters cannot deadlock on them. A room ('group') is only ever locked: the writer refused
// messages to rooms that do not exist, and the EXISTS keeps a vanished one from being created
// (its messages then fail the foreign key). $4: both members of each direct conversation, when
// missing (conversation_members' foreign key is checked at the statement's end, when the
// conversations exist). Last, the transaction says that its conversations are ensured: migration
// 011 then skips chat_messages' per-row ensure trigger (8 µs a row) for the rest of it.
const ENSURE_AND_LOCK_CHAINS = `
WITH chains AS (
	INSERT INTO conversations (id, kind, created_by)
	SELECT t.id, t.kind, t.created_by
	FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(id, kind, created_by, ord)
	WHERE t.kind <> 'group' OR EXISTS (SELECT 1 FROM conversations c WHERE c.id = t.id)
	ORDER BY t.ord
	ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind WHERE false
), members AS (
	INSERT INTO conversation_members (user_id, conversation_id)
	SELECT DISTINCT p.user_id, t.id
	FROM unnest($4::text[]) AS t(id)
		CROSS JOIN LATERAL (VALUES (split_part(t.id, ':', 1)), (split_part(t.id, ':', 2))) AS p (user_id)
	ORDER BY 1, 2
	ON CONFLICT (user_id, conversation_id) DO NOTHING
)
SELECT set_config('${CONVERSATIONS_ENSURED}', 'on', true)`;

// Per (conversation, sender): whether the group exists and the sender is a current member.
const GROUP_MEMBERSHIP = `
SELECT t.ord::int AS ord, c.id IS NOT NULL AS room_exists, m.user_id IS NOT NULL AS is_member
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(conversation_id, user_id, ord)
	LEFT JOIN conversations c ON c.id = t.conversation_id AND c.kind = 'group'
	LEFT JOIN conversation_members m ON m.conversation_id = t.conversation_id AND m.user_id = t.user_id AND m.left_at IS NULL
ORDER BY t.ord`;

// delivered/read only for stored messages of the sender the receipt names (v1: its topic's
// `to` level), in the conversation it names (v2), from a current member other than the sender
// (anyone for the broadcast). Reports per input row: stored (or already stored), missing, or
// rejected, with the message's conversation and seq.
// A read implies delivered: a member that was offline when the message was published
// first gets it from history, already read, so its `delivered` row takes the read's time
// (a real `delivered` stored earlier wins through ON CONFLICT).
const INSERT_RECEIPTS = `
WITH input AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
		WITH ORDINALITY AS t(message_id, status, user_id, at, sender_id, conversation_id, ord)
), accepted AS (
	SELECT i.* FROM input i JOIN chat_messages m ON m.message_id = i.message_id AND m.sender_id = i.sender_id
	WHERE i.user_id <> m.sender_id
		AND (i.conversation_id IS NULL OR i.conversation_id = m.conversation_id)
		AND (m.conversation_id = '${BROADCAST_ID}' OR EXISTS (
			SELECT 1 FROM conversation_members cm
			WHERE cm.conversation_id = m.conversation_id AND cm.user_id = i.user_id AND cm.left_at IS NULL))
), candidates AS (
	SELECT message_id, sender_id, status, at, user_id FROM accepted
	UNION ALL
	SELECT message_id, sender_id, 'delivered', at, user_id FROM accepted WHERE status = 'read'
), inserted AS (
	-- The earliest candidate per transition; delivered before read (ids follow the flow).
	INSERT INTO message_receipts (message_id, sender_id, status, timestamp, user_id)
	SELECT DISTINCT ON (message_id, sender_id, status, user_id) message_id, sender_id, status, at, user_id FROM candidates
	ORDER BY message_id, sender_id, status, user_id, at
	ON CONFLICT (message_id, status, user_id, sender_id) DO NOTHING
)
SELECT i.ord::int AS ord, m.conversation_id,
	CASE WHEN m.message_id IS NULL THEN 'missing'
		WHEN EXISTS (SELECT 1 FROM accepted a WHERE a.ord = i.ord) THEN 'stored'
		ELSE 'rejected' END AS outcome
FROM input i LEFT JOIN chat_messages m ON m.message_id = i.message_id AND m.sender_id = i.sender_id
ORDER BY i.ord`;

// A stored read receipt moves the reader's marker in that message's conversation (never
// backwards; the row is created for the broadcast, where members hold only read markers).
const ADVANCE_READ_MARKERS = `
INSERT INTO conversation_members (user_id, conversation_id, last_read_seq)
SELECT r.user_id, m.conversation_id, max(m.seq)
FROM unnest($1::text[], $2::text[], $3::text[]) AS r(message_id, user_id, sender_id)
	JOIN chat_messages m ON m.message_id = r.message_id AND m.sender_id = r.sender_id
GROUP BY r.user_id, m.conversation_id
ORDER BY r.user_id, m.conversation_id
ON CONFLICT (user_id, conversation_id) DO UPDATE SET
	last_read_seq = GREATEST(conversation_members.last_read_seq, EXCLUDED.last_read_seq)`;

const UPSERT_PRESENCE = `
INSERT INTO chat_users (user_id, display_name, presence, status_message, last_seen_at)
SELECT user_id, display_name, presence, status_message, now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(user_id, display_name, presence, status_message)
ON CONFLICT (user_id) DO UPDATE SET
	display_name = EXCLUDED.display_name, presence = EXCLUDED.presence,
	status_message = EXCLUDED.status_message, last_seen_at = now(), updated_at = now()`;

/** Wire protocol version an item came in on (decides where its ✓ or ✗ goes). */
export type WireVersion = 1 | 2;

/** One chat message to store (a validated protocol `message` payload, version 1 or 2). */
export interface MessageRow {
	messageId: string;
	senderId: string;
	senderName: string;
	/** The peer (direct), `all` (broadcast) or the conversation id (group). */
	receiverId: string;
	content: string;
	messageType: string;
	/** The sender's send time, ISO 8601 (becomes the `sent` status time). */
	sentAt: string;
	/** v1: protocol conversationIdFor(senderId, receiverId); v2: the payload's conversation_id. */
	conversationId: string;
	/** 1 (default): ✓ on `{base}/{sender}/server`; 2: on the sender's inbox, and membership is checked. */
	version?: WireVersion;
	/** v2 replies: the original (kept only when it is stored in the same conversation). */
	replyTo?: {senderId: string; messageId: string};
}

/** One `delivered`/`read` receipt to store. */
export interface ReceiptRow {
	messageId: string;
	/** The message's sender (v1: the receipt topic's `to` level): ids are unique per sender only. */
	senderId: string;
	status: 'delivered' | 'read';
	/** The member the transition is about. */
	userId: string;
	/** ISO 8601, from the receipt. */
	at: string;
	/** v2: the conversation the receipt names (must be the message's); v1 receipts have none. */
	conversationId?: string;
}

/** One presence update to store in chat_users. */
export interface PresenceRow {
	userId: string;
	name: string;
	state: string;
	statusMessage: string;
}

/** A v2 typing notification to relay (never stored). */
export interface TypingRow {
	conversationId: string;
	senderId: string;
	senderName: string;
	isTyping: boolean;
	/** ISO 8601, from the payload. */
	at: string;
}

/**
 * A message or room action the server will never store (it failed validation, PostgreSQL
 * refused its data, or the sender may not do it): its sender gets a `rejected` receipt with
 * `reason` instead of waiting forever.
 */
export interface RejectionRow {
	messageId: string;
	/** The publisher (topic `from` level). */
	senderId: string;
	/** One line, at most protocol MAX_REASON_LENGTH characters. */
	reason: string;
	/** Set for a version 2 publish: the receipt goes (v2) to the sender's inbox; unset: v1 topic. */
	conversationId?: string;
}

/** What the server confirms (`received_by_server`): a stored message or an applied room action. */
export interface Confirmation {
	messageId: string;
	senderId: string;
	/** Set for version 2 (✓ on the sender's inbox), unset for version 1 (✓ on `{base}/{sender}/server`). */
	conversationId?: string;
}

/** A stored receipt to forward (v2) to the message sender's inbox. */
export interface ReceiptForward extends ReceiptRow {
	conversationId: string;
}

/** A typing notification and the members it goes to (`all`: the broadcast inbox). */
export interface TypingRelay {
	row: TypingRow;
	recipients: readonly string[] | typeof BROADCAST_ID;
}

/** Two senders that stored a message under one id (allowed since migration 003; reported). */
export interface IdClash {
	messageId: string;
	senderId: string;
	otherSenderId: string;
}

/** Options of {@link writeIngestBatch}. */
export interface WriteOptions {
	/**
	 * Called once this transaction holds the locks of the conversations it stores into (or has
	 * none to store), possibly more than once. The ingester starts the next batch's transaction
	 * only then, so with two batches in flight the next one queues behind this one's locks and
	 * a later batch never stores into a conversation before an earlier one.
	 */
	onConversationsLocked?: () => void;
}

/** What one batch carries. Any part may be empty; rooms are applied first, in order. */
export interface IngestBatch {
	messages: readonly MessageRow[];
	receipts: readonly ReceiptRow[];
	presences: readonly PresenceRow[];
	/** Messages to reject; optional so older callers need not pass it. */
	rejections?: readonly RejectionRow[];
	/** v2 room actions, applied one by one in arrival order before the messages. */
	rooms?: readonly RoomRow[];
	/** v2 typing notifications (membership is looked up, nothing is written). */
	typing?: readonly TypingRow[];
	/** v2 edits, deletes and reactions, applied one by one in arrival order after the messages. */
	actions?: readonly MessageActionRow[];
}

/** What became of a receipt: stored (or already was), its message is `missing`, or not from a current member. */
export type ReceiptOutcome = 'stored' | 'missing' | 'rejected';

/** Result of {@link writeIngestBatch}. */
export interface BatchResult {
	/** Messages that were new (the rest were duplicates of stored ones, or refused). */
	inserted: number;
	/** One outcome per `batch.receipts` entry, in order. */
	receiptOutcomes: ReceiptOutcome[];
	/** Messages of this batch whose id another sender has stored too. */
	idClashes: IdClash[];
	/**
	 * `batch.rejections` split: `stored` ones were stored from an earlier valid copy (confirm
	 * them, never reject a stored message), `refused` ones are not stored (reject them). Messages
	 * and room actions the sender may not do (not a member, no such room, not an admin…) are
	 * added to `refused`.
	 */
	rejections: {stored: RejectionRow[]; refused: RejectionRow[]};
	/** How many of `batch.messages`, `batch.rooms` and `batch.actions` the rules refused (in `rejections.refused`). */
	refusedByRules: {messages: number; rooms: number; actions: number};
	/** Everything to confirm after COMMIT (stored or duplicate messages and room actions), in batch order. */
	confirmations: Confirmation[];
	/**
	 * What to deliver, in seq order, with the recipients: messages and system lines this batch
	 * stored, and messages stored before and received again (delivered again: the first delivery
	 * may have died with an ingester between its COMMIT and its fan-out). Each has `prevSeq`.
	 */
	stored: StoredMessage[];
	/** Stored receipts, to forward to the message's sender. */
	receiptForwards: ReceiptForward[];
	/** Typing notifications from current members, with their recipients. */
	typingRelays: TypingRelay[];
	/** Edits, deletes and reactions to deliver (applied ones, and the current state for re-sent ones), in batch order. */
	changes: StoredChange[];
}

/**
 * Write one batch in ONE transaction: room actions first, one by one (rights checked, system
 * line stored, see store/room-actions.ts); then messages — direct (sender must be one of the
 * pair; conversation and both members created on the first message), group (sender must be a
 * current member; else refused `you are not a member of this room` / `no such room`), `all`
 * (anyone) — with INSERT … unnest … ON CONFLICT (message_id, sender_id) DO NOTHING, in order, so
 * `seq` follows arrival (an id is unique per sender only, so another sender using the same id
 * can neither block nor stand in for a message), their `sent`/`received_by_server` status rows,
 * the senders in chat_users, the sender's read marker, the conversation's last_seq /
 * last_message_at (chat_messages' trigger, migration 010) and the reply quotes (a reply keeps its original only within its
 * conversation); then edits, deletes and reactions one by one (store/message-actions.ts); then
 * receipts (only for stored messages, so a receipt may be reported
 * `missing` and retried later), read markers (GREATEST), typing members, presence.
 * Every message to deliver gets `prevSeq`, its conversation's previous seq: messages take
 * their conversations' row locks (id order) before inserting, so within a conversation seqs
 * commit in order and the chain is exact with any number of ingesters.
 * Idempotent: re-writing a batch changes nothing. Duplicates inside a batch are allowed.
 * @throws the driver's error (nothing was written: the transaction is rolled back).
 */
export async function writeIngestBatch(db: Db, batch: IngestBatch, options: WriteOptions = {}): Promise<BatchResult> {
	return db.withTransaction(async (client) => {
		// Rooms lock one by one in arrival order: take every chain lock of the batch first, in id order.
		if ((batch.rooms ?? []).length > 0) await lockConversationChains(client, [...batch.rooms!, ...batch.messages].map((r) => r.conversationId));
		const refused: RejectionRow[] = [];
		let refusedRooms = 0;
		const confirmations: Confirmation[] = [];
		const stored: StoredMessage[] = [];
		for (const room of batch.rooms ?? []) {
			const outcome = await applyRoomAction(client, room);
			if (outcome.kind === 'refused') refusedRooms = refused.push({messageId: room.messageId, senderId: room.senderId, reason: outcome.reason, conversationId: room.conversationId});
			else confirmations.push({messageId: room.messageId, senderId: room.senderId, conversationId: room.conversationId});
			if (outcome.kind === 'applied' && outcome.stored) stored.push(outcome.stored);
		}
		const messages = await writeMessages(client, batch.messages, options.onConversationsLocked);
		options.onConversationsLocked?.();
		refused.push(...messages.refused);
		confirmations.push(...messages.accepted.map((m) => ({messageId: m.messageId, senderId: m.senderId, conversationId: m.version === 2 ? m.conversationId : undefined})));
		stored.push(...messages.stored, ...messages.redelivered);
		const changes: StoredChange[] = [];
		let refusedActions = 0;
		for (const action of batch.actions ?? []) {
			const outcome = await applyMessageAction(client, action);
			if (outcome.kind === 'refused') {
				refusedActions++;
				refused.push({messageId: action.actionId, senderId: action.actorId, reason: outcome.reason, conversationId: action.conversationId});
				continue;
			}
			confirmations.push({messageId: action.actionId, senderId: action.actorId, conversationId: action.conversationId});
			changes.push(outcome.change);
		}
		const receipts = await writeReceipts(client, batch.receipts);
		const typingRelays = await relayTyping(client, batch.typing ?? []);
		await writePresences(client, batch.presences);
		const rejections = await splitRejections(client, batch.rejections ?? []);
		confirmations.push(...rejections.stored);
		stored.sort((a, b) => a.seq - b.seq);
		await attachPrevSeqs(client, stored);
		return {
			inserted: messages.stored.length,
			receiptOutcomes: receipts.outcomes,
			receiptForwards: receipts.forwards,
			idClashes: messages.idClashes,
			rejections: {stored: rejections.stored, refused: [...rejections.refused, ...refused]},
			refusedByRules: {messages: messages.refused.length, rooms: refusedRooms, actions: refusedActions},
			confirmations,
			stored,
			typingRelays,
			changes,
		};
	});
}

/** Why `sender` may not post a v2 message in conversation `id` without a database lookup, or undefined. */
function directRefusal(id: string, sender: string): string | undefined {
	const pair = directMembersOf(id);
	return pair && !pair.includes(sender) ? 'you are not a member of this conversation' : undefined;
}

async function writeMessages(
	client: pg.PoolClient,
	all: readonly MessageRow[],
	onConversationsLocked?: () => void,
): Promise<{accepted: MessageRow[]; refused: RejectionRow[]; stored: StoredMessage[]; redelivered: StoredMessage[]; idClashes: IdClash[]}> {
	if (all.length === 0) return {accepted: [], refused: [], stored: [], redelivered: [], idClashes: []};
	// Refusals are decided only for messages that might be refused (groups, v2 direct messages
	// whose sender is not one of the pair); a batch without any skips the lookup of stored ones.
	const mayBeRefused = all.filter((m) => conversationKindOf(m.conversationId) === 'group' || (m.version === 2 && directRefusal(m.conversationId, m.senderId)));
	// Already stored (re-sends): confirmed again whatever the sender's membership is now.
	const already = mayBeRefused.length === 0 ? {rows: []}
		: await client.query<{message_id: string; sender_id: string}>(FIND_STORED, [mayBeRefused.map((m) => m.messageId), mayBeRefused.map((m) => m.senderId)]);
	const isStored = new Set(already.rows.map((r) => `${r.sender_id}/${r.message_id}`));
	const refusals = new Map<MessageRow, string>();
	const groups = mayBeRefused.filter((m) => !isStored.has(`${m.senderId}/${m.messageId}`) && conversationKindOf(m.conversationId) === 'group');
	if (groups.length > 0) {
		const membership = await client.query<{ord: number; room_exists: boolean; is_member: boolean}>(GROUP_MEMBERSHIP, [
			groups.map((m) => m.conversationId),
			groups.map((m) => m.senderId),
		]);
		for (const row of membership.rows) {
			const message = groups[row.ord - 1]!;
			if (!row.room_exists) refusals.set(message, 'no such room');
			else if (!row.is_member) refusals.set(message, 'you are not a member of this room');
		}
	}
	for (const m of mayBeRefused) {
		const reason = m.version === 2 && !isStored.has(`${m.senderId}/${m.messageId}`) ? directRefusal(m.conversationId, m.senderId) : undefined;
		if (reason) refusals.set(m, reason);
	}
	const messages = all.filter((m) => !refusals.has(m));
	const refused = [...refusals].map(([m, reason]) => ({messageId: m.messageId, senderId: m.senderId, reason, conversationId: m.version === 2 ? m.conversationId : undefined}));
	if (messages.length === 0) return {accepted: [], refused, stored: [], redelivered: [], idClashes: []};

	await ensureAndLockChains(client, messages);
	onConversationsLocked?.();
	// ON CONFLICT DO UPDATE may not touch a row twice in one statement: one entry per sender.
	const senders = [...new Map(messages.map((m) => [m.senderId, m.senderName]))].sort(([a], [b]) => (a < b ? -1 : 1));
	const result = await client.query<StoreMessagesRow>(STORE_MESSAGES, [
		messages.map((m) => m.messageId),
		messages.map((m) => m.senderId),
		messages.map((m) => m.senderName),
		messages.map((m) => m.receiverId),
		messages.map((m) => m.content),
		messages.map((m) => m.messageType),
		messages.map((m) => m.conversationId),
		messages.map((m) => m.replyTo?.senderId ?? null),
		messages.map((m) => m.replyTo?.messageId ?? null),
		messages.map((m) => (m.messageType === 'text' ? mentionsOf(m.content).join(' ') : '')),
		messages.map((m) => m.sentAt),
		senders.map(([id]) => id),
		senders.map(([, name]) => name),
	]);
	const byKey = new Map(messages.map((m) => [`${m.senderId}/${m.messageId}`, m]));
	const rows = result.rows.filter((r): r is InsertedRow => r.other_sender_id === null);
	const idClashes = clashesOf(messages, result.rows.filter((r) => r.other_sender_id !== null));
	const inserted = rows.map((r) => ({row: byKey.get(`${r.sender_id}/${r.message_id}`)!, seq: Number(r.seq), createdAt: r.created_at, replySeq: r.reply_to_seq, prevSeq: Number(r.prev_seq)}));
	// A message stored before and received again: its sender did not get the ✓, so the ingester
	// that stored it may have died between COMMIT and the fan-out. Deliver the stored copy again
	// (members dedupe by sender and id) — at least once, never "stored but never delivered".
	const insertedKeys = new Set(inserted.map((i) => `${i.row.senderId}/${i.row.messageId}`));
	const again = [...new Map(messages.filter((m) => !insertedKeys.has(`${m.senderId}/${m.messageId}`)).map((m) => [`${m.senderId}/${m.messageId}`, m])).values()];
	const copies = again.length === 0 ? [] : (await client.query<StoredCopyRow>(STORED_COPIES, [again.map((m) => m.messageId), again.map((m) => m.senderId)])).rows;
	// Members of the conversations stored into came back with the rows; only those of
	// conversations that appear solely among re-sent copies are looked up.
	const members = new Map(rows.flatMap((r) => (r.members ? [[byKey.get(`${r.sender_id}/${r.message_id}`)!.conversationId, r.members] as const] : [])));
	for (const [id, ids] of await currentMembers(client, copies.map((c) => c.conversation_id).filter((id) => !members.has(id)))) members.set(id, ids);
	const recipientsOf = (conversationId: string) => (conversationId === BROADCAST_ID ? BROADCAST_ID : (members.get(conversationId) ?? []));
	const sentAtOf = new Map(again.map((m) => [`${m.senderId}/${m.messageId}`, m.sentAt]));
	const redelivered = copies.map((c): StoredMessage & {replySeq?: number} => ({
		messageId: c.message_id,
		senderId: c.sender_id,
		senderName: c.sender_name,
		conversationId: c.conversation_id,
		content: c.content,
		messageType: c.message_type === 'system' ? 'system' : 'text',
		sentAt: sentAtOf.get(`${c.sender_id}/${c.message_id}`) ?? c.created_at.toISOString(),
		seq: Number(c.seq),
		createdAt: c.created_at.toISOString(),
		recipients: recipientsOf(c.conversation_id),
		...(c.reply_to_seq !== null ? {replySeq: Number(c.reply_to_seq)} : {}),
	}));
	const stored = inserted.map(({row, seq, createdAt, replySeq, prevSeq}): StoredMessage & {replySeq?: number} => ({
		messageId: row.messageId,
		senderId: row.senderId,
		senderName: row.senderName,
		conversationId: row.conversationId,
		content: row.content,
		messageType: 'text',
		sentAt: row.sentAt,
		seq,
		prevSeq,
		createdAt: createdAt.toISOString(),
		recipients: recipientsOf(row.conversationId),
		...(replySeq !== null ? {replySeq: Number(replySeq)} : {}),
	}));
	await attachQuotes(client, [...stored, ...redelivered]);
	return {accepted: messages, refused, stored, redelivered, idClashes};
}

/** Lock the rows of `conversationIds` (deduplicated, in id order) for the chain; see LOCK_CONVERSATION_CHAINS. */
async function lockConversationChains(client: pg.PoolClient, conversationIds: readonly string[]): Promise<void> {
	const ids = [...new Set(conversationIds)].sort();
	if (ids.length > 0) await client.query(LOCK_CONVERSATION_CHAINS, [ids]);
}

/**
 * Create (direct, broadcast: the first message's sender is the creator) or lock (all) the
 * conversations of `messages`, in id order; see ENSURE_AND_LOCK_CHAINS.
 */
async function ensureAndLockChains(client: pg.PoolClient, messages: readonly MessageRow[]): Promise<void> {
	const creators = new Map<string, string>();
	for (const m of messages) if (!creators.has(m.conversationId)) creators.set(m.conversationId, m.senderId);
	const ids = [...creators.keys()].sort();
	const kinds = ids.map((id) => (id === BROADCAST_ID ? 'broadcast' : conversationKindOf(id) === 'group' ? 'group' : 'direct'));
	await client.query(ENSURE_AND_LOCK_CHAINS, [
		ids,
		kinds,
		ids.map((id, i) => (kinds[i] === 'direct' ? creators.get(id)! : null)),
		ids.filter((_, i) => kinds[i] === 'direct'),
	]);
}

/**
 * Sets `prevSeq` on every message to deliver that has none yet (see PREV_SEQS: system lines and
 * re-delivered copies; STORE_MESSAGES returns it for the rows it inserts); call after the
 * batch's last insert.
 */
async function attachPrevSeqs(client: pg.PoolClient, stored: StoredMessage[]): Promise<void> {
	const messages = stored.filter((m) => m.prevSeq === undefined);
	if (messages.length === 0) return;
	const {rows} = await client.query<{prev_seq: string}>(PREV_SEQS, [messages.map((m) => m.seq), messages.map((m) => m.conversationId)]);
	messages.forEach((m, i) => (m.prevSeq = Number(rows[i]!.prev_seq)));
}

/** Sets `replyTo` (the original's sender, id, seq, name and preview) on replies, from their `replySeq`. */
async function attachQuotes(client: pg.PoolClient, messages: Array<StoredMessage & {replySeq?: number}>): Promise<void> {
	const replies = messages.filter((m) => m.replySeq !== undefined);
	if (replies.length > 0) {
		const {rows} = await client.query<{seq: string; sender_id: string; message_id: string; sender_name: string; preview: string | null}>(QUOTES, [replies.map((m) => m.replySeq)]);
		const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
		for (const m of replies) {
			const o = bySeq.get(m.replySeq!);
			if (o) m.replyTo = {senderId: o.sender_id, messageId: o.message_id, seq: m.replySeq!, senderName: o.sender_name, ...(o.preview !== null ? {preview: o.preview} : {})};
		}
	}
	for (const m of messages) delete m.replySeq;
}

interface StoredCopyRow {
	message_id: string;
	sender_id: string;
	sender_name: string;
	conversation_id: string;
	content: string;
	message_type: string;
	seq: string;
	created_at: Date;
	reply_to_seq: string | null;
}

// The stored copies of messages received again (a resend of something already stored); a
// deleted one is not delivered again (its text is gone; members got the delete).
const STORED_COPIES = `SELECT m.message_id, m.sender_id, m.sender_name, m.conversation_id, m.content, m.message_type, m.seq, m.created_at, m.reply_to_seq
FROM chat_messages m JOIN unnest($1::text[], $2::text[]) AS k (message_id, sender_id) USING (message_id, sender_id)
WHERE m.deleted_at IS NULL`;

/** A row of STORE_MESSAGES: a stored message (other_sender_id NULL) or an id clash (seq and the rest NULL). */
type StoreMessagesRow = {message_id: string; sender_id: string; other_sender_id: string | null} & {
	[K in keyof Omit<InsertedRow, 'message_id' | 'sender_id' | 'other_sender_id'>]: InsertedRow[K] | null;
};

/** A stored message's row of STORE_MESSAGES. */
interface InsertedRow {
	message_id: string;
	sender_id: string;
	seq: string;
	created_at: Date;
	reply_to_seq: string | null;
	members: string[] | null;
	prev_seq: string;
	other_sender_id: null;
}

/**
 * The batch's id clashes, sorted by id, sender, other sender: those STORE_MESSAGES found among
 * rows stored before it, and those inside the batch (two senders, one id), which its snapshot
 * cannot see — every message of `messages` is stored once the statement has run.
 */
function clashesOf(messages: readonly MessageRow[], found: readonly StoreMessagesRow[]): IdClash[] {
	const clashes = new Map<string, IdClash>();
	const add = (messageId: string, senderId: string, otherSenderId: string) =>
		clashes.set(JSON.stringify([messageId, senderId, otherSenderId]), {messageId, senderId, otherSenderId});
	for (const r of found) add(r.message_id, r.sender_id, r.other_sender_id!);
	const sendersOf = new Map<string, Set<string>>();
	for (const m of messages) sendersOf.set(m.messageId, (sendersOf.get(m.messageId) ?? new Set()).add(m.senderId));
	for (const [messageId, senders] of sendersOf) {
		if (senders.size < 2) continue;
		for (const senderId of senders) for (const other of senders) if (other !== senderId) add(messageId, senderId, other);
	}
	const key = (c: IdClash) => [c.messageId, c.senderId, c.otherSenderId];
	return [...clashes.values()].sort((a, b) => compareTuples(key(a), key(b)));
}

/** Orders string tuples element by element, by UTF-16 code units. */
function compareTuples(a: readonly string[], b: readonly string[]): number {
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
	return 0;
}

async function splitRejections(client: pg.PoolClient, rejections: readonly RejectionRow[]): Promise<BatchResult['rejections']> {
	if (rejections.length === 0) return {stored: [], refused: []};
	const result = await client.query<{message_id: string; sender_id: string}>(FIND_STORED, [
		rejections.map((r) => r.messageId),
		rejections.map((r) => r.senderId),
	]);
	const stored = new Set(result.rows.map((r) => `${r.sender_id}/${r.message_id}`));
	const isStored = (r: RejectionRow) => stored.has(`${r.senderId}/${r.messageId}`);
	return {stored: rejections.filter(isStored), refused: rejections.filter((r) => !isStored(r))};
}

async function writeReceipts(client: pg.PoolClient, receipts: readonly ReceiptRow[]): Promise<{outcomes: ReceiptOutcome[]; forwards: ReceiptForward[]}> {
	if (receipts.length === 0) return {outcomes: [], forwards: []};
	const result = await client.query<{ord: number; outcome: ReceiptOutcome; conversation_id: string | null}>(INSERT_RECEIPTS, [
		receipts.map((r) => r.messageId),
		receipts.map((r) => r.status),
		receipts.map((r) => r.userId),
		receipts.map((r) => r.at),
		receipts.map((r) => r.senderId),
		receipts.map((r) => r.conversationId ?? null),
	]);
	const forwards = result.rows.flatMap((row) =>
		row.outcome === 'stored' ? [{...receipts[row.ord - 1]!, conversationId: row.conversation_id!}] : [],
	);
	const reads = forwards.filter((r) => r.status === 'read');
	if (reads.length > 0) {
		await client.query(ADVANCE_READ_MARKERS, [reads.map((r) => r.messageId), reads.map((r) => r.userId), reads.map((r) => r.senderId)]);
	}
	return {outcomes: result.rows.map((row) => row.outcome), forwards};
}

async function relayTyping(client: pg.PoolClient, typing: readonly TypingRow[]): Promise<TypingRelay[]> {
	if (typing.length === 0) return [];
	const members = await currentMembers(client, typing.filter((t) => conversationKindOf(t.conversationId) === 'group').map((t) => t.conversationId));
	return typing.flatMap((row): TypingRelay[] => {
		if (row.conversationId === BROADCAST_ID) return [{row, recipients: BROADCAST_ID}];
		const current = directMembersOf(row.conversationId) ?? members.get(row.conversationId) ?? [];
		if (!current.includes(row.senderId)) return [];
		return [{row, recipients: current.filter((id) => id !== row.senderId)}];
	});
}

async function writePresences(client: pg.PoolClient, presences: readonly PresenceRow[]): Promise<void> {
	if (presences.length === 0) return;
	// The latest update per user wins (one row per key, see UPSERT_SENDERS).
	const latest = [...new Map(presences.map((p) => [p.userId, p])).values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
	await client.query(UPSERT_PRESENCE, [
		latest.map((p) => p.userId),
		latest.map((p) => p.name),
		latest.map((p) => p.state),
		latest.map((p) => p.statusMessage),
	]);
}
