// Read queries about people and conversations: the conversation list with unread counts,
// members, known users, stored presence. May import pg (via db.ts), protocol/ and core/types.
import {UNREAD_COUNT_CAP, type ConversationKind, type ConversationSummary, type KnownUser, type LocalStatus, type Member, type MemberRole, type Presence} from '../core/types.js';
import {BROADCAST_ID, PRESENCE_STATES, type PresenceState} from '../protocol/index.js';
import type {Db} from './db.js';
import {MESSAGE_STATUS, toStatus} from './history.js';

export {UNREAD_COUNT_CAP};

/** Display name of the broadcast conversation in the list. */
export const BROADCAST_PEER_NAME = 'everyone';

// My current member rows (left_at IS NULL; `all` whatever its row says), plus the broadcast
// conversation with read marker 0 when I have no row for it yet, joined to conversations and
// ordered by their last activity: conversations.last_message_at, which every insert into
// chat_messages advances (the statement trigger of migration 010, for the Hermes source system's
// own inserts too), so `ordered` sorts my conversations' rows alone and cuts at the limit (issue
// 12: it used to find each conversation's newest message first, 1,000 index probes for a user in
// 1,000 conversations, about half the list's time). The list is read in pages by keyset on
// (last_message_at DESC NULLS LAST, id), never OFFSET: `$3`/`$4` are the previous page's last key
// (last_message_at in µs since the epoch, exact — a JS Date drops the microseconds and would skip
// or repeat ties; `$4` NULL = the first page), `$5` (µs, nullable) asks also for the
// conversations that moved above the walk's top since it started (a new message): they sort
// first, flagged `moved`; `$6` (nullable) keeps only the given conversation ids. The statement runs
// inside the SECURITY DEFINER function hermes_conversation_page (migration 012: its body is this
// text, a test compares them), i.e. with the table owner's rights and no row-level security, so
// `me` is the privacy check the policies made: `$1` itself when the calling role is that account
// (enabled), or any `$1` for a caller that may read every row anyway (member of the tables'
// owner, superuser); else no row at all. The caller is the `role` setting under SET ROLE (the
// embedded hub) and otherwise session_user: inside the function current_user is the owner.
// `my_rows` reads conversation_members once (a CTE referenced twice is computed once). Everything
// else runs only for the rows shown: the newest message (one backward probe of chat_messages_conversation_seq, with a closed
// range instead of `=` so the planner cannot pick the seq index, see history.ts), the peer's and
// the last sender's names, the member count (an index-only scan of conversation_members_current,
// rooms only), unread (others' messages after my marker, capped: a range scan of the same index,
// skipped when my marker is at or past last_seq, which the same trigger keeps exact: nothing is
// stored after it; the scan's upper bound `<= last_seq` changes no row but tells the planner the
// range is short — without it a member role's policy filter tipped it into a bitmap scan and a
// sort, 2–3× the index scan's time) and the tick state of my own last message (history.ts MESSAGE_STATUS; `m` is the newest
// message, with the sent_at it reads). last_activity_at stays GREATEST(newest message's storage
// time, last_message_at): equal to last_message_at unless a writer lowered it by hand; rows are
// returned in the keyset's order (last_message_at), so pages never overlap.
const US = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;
const AFTER_CURSOR = `CASE WHEN $3::bigint IS NULL THEN c.last_message_at IS NULL AND c.id > $4
		ELSE c.last_message_at < ${US('$3')} OR (c.last_message_at = ${US('$3')} AND c.id > $4) OR c.last_message_at IS NULL END`;
const CONVERSATIONS_OF = `WITH caller AS (
	SELECT CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END AS caller
), me AS (
	SELECT $1::varchar AS user_id
	WHERE $1 = (SELECT r.caller FROM caller r)
		AND EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = $1 AND a.disabled_at IS NULL)
	OR pg_has_role((SELECT r.caller FROM caller r)::name, (SELECT t.relowner FROM pg_class t WHERE t.oid = 'conversations'::regclass), 'USAGE')
), my_rows AS (
	SELECT conversation_id, last_read_seq, role, is_muted
	FROM conversation_members WHERE user_id = (SELECT me.user_id FROM me) AND (left_at IS NULL OR conversation_id = '${BROADCAST_ID}')
), mine AS (
	SELECT * FROM my_rows
	UNION ALL
	SELECT '${BROADCAST_ID}', 0, 'member', false
	FROM me WHERE NOT EXISTS (SELECT 1 FROM my_rows WHERE conversation_id = '${BROADCAST_ID}')
), ordered AS (
	SELECT c.id, c.kind, c.title, c.topic, c.last_message_at, c.last_seq, mine.last_read_seq, mine.role, mine.is_muted,
		coalesce($4::text IS NOT NULL AND c.last_message_at > ${US('$5')}, false) AS moved
	FROM mine JOIN conversations c ON c.id = mine.conversation_id
	WHERE ($4::text IS NULL OR (${AFTER_CURSOR}) OR c.last_message_at > ${US('$5')})
		AND ($6::text[] IS NULL OR c.id = ANY($6::text[]))
	ORDER BY c.last_message_at DESC NULLS LAST, c.id
	LIMIT $2
), shown AS (
	SELECT o.id, o.kind, o.title, o.topic, o.last_seq, o.last_read_seq, o.role, o.is_muted, o.moved, o.last_message_at,
		last.message_id, last.sender_id, last.sender_name, last.content, last.created_at, last.message_type, last.sent_at,
		GREATEST(last.created_at, o.last_message_at) AS last_activity_at
	FROM ordered o
	LEFT JOIN LATERAL (
		SELECT m.message_id, m.sender_id, m.sender_name, m.content, m.created_at, m.message_type, m.sent_at
		FROM chat_messages m
		WHERE m.conversation_id >= o.id AND m.conversation_id <= o.id
		ORDER BY m.conversation_id DESC, m.seq DESC LIMIT 1
	) AS last ON true
), m AS (
	SELECT o.*, o.id AS conversation_id,
		CASE WHEN o.kind <> 'direct' THEN NULL
			WHEN split_part(o.id, ':', 1) = $1 THEN split_part(o.id, ':', 2)
			ELSE split_part(o.id, ':', 1) END AS peer_id
	FROM shown o
)
SELECT m.id::text AS conversation_id, m.kind::text, m.topic::text, m.role::text, m.is_muted, m.peer_id,
	CASE WHEN m.kind = 'broadcast' THEN '${BROADCAST_PEER_NAME}'
		WHEN m.kind = 'direct' THEN coalesce((SELECT u.display_name FROM chat_users u WHERE u.user_id = m.peer_id), m.peer_id)
		ELSE m.title END::text AS title,
	CASE WHEN m.kind = 'group' THEN (SELECT count(*) FROM conversation_members x
			WHERE x.conversation_id = m.id AND x.left_at IS NULL)
		WHEN m.kind = 'direct' THEN 2 ELSE 0 END::int AS member_count,
	CASE WHEN m.last_read_seq >= m.last_seq THEN 0 ELSE (SELECT count(*) FROM (
		SELECT 1 FROM chat_messages x
		WHERE x.conversation_id >= m.id AND x.conversation_id <= m.id
			AND x.seq > m.last_read_seq AND x.seq <= m.last_seq AND x.sender_id <> $1
		ORDER BY x.conversation_id, x.seq
		LIMIT ${UNREAD_COUNT_CAP}) AS unread_rows) END::int AS unread,
	m.message_id::text AS last_message_id, m.sender_id::text AS last_sender_id,
	coalesce((SELECT lu.display_name FROM chat_users lu WHERE lu.user_id = m.sender_id), m.sender_name)::text AS last_sender_name,
	m.content::text AS last_content, m.created_at AS last_created_at, m.message_type::text AS last_message_type,
	(CASE WHEN m.sender_id = $1 THEN ${MESSAGE_STATUS} END)::text AS last_status,
	m.last_activity_at, m.moved,
	(extract(epoch FROM m.last_message_at) * 1000000)::bigint::text AS key_us
FROM m
ORDER BY m.last_message_at DESC NULLS LAST, m.id`;

// One of my conversations by id, or a room by title (any case): the id first, then the most
// recently active room of that title. Reads my member rows (the primary key's user_id prefix).
const FIND_CONVERSATION = `SELECT c.id FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
WHERE m.user_id = $1 AND (m.left_at IS NULL OR m.conversation_id = '${BROADCAST_ID}')
	AND (c.id = $2 OR (c.kind = 'group' AND lower(c.title) = lower($2)))
ORDER BY c.id = $2 DESC, c.last_message_at DESC NULLS LAST, c.id
LIMIT 1`;

/**
 * The conversation list statement: the body of the function hermes_conversation_page (migration
 * 012, which runs it with the table owner's rights; a test holds the two equal), for EXPLAIN
 * checks as the owner. `$1` user id, `$2` limit, `$3`/`$4` the previous page's last key (µs text
 * or null, id; `$4` null for the first page), `$5` the walk's top key (µs text or null), `$6`
 * conversation ids (null: all). {@link conversationPageParams} builds them.
 */
export const CONVERSATIONS_QUERY = CONVERSATIONS_OF;

/**
 * How the list is read: the function of migration 012 (same parameters and rows as
 * {@link CONVERSATIONS_QUERY}). Owner or member role alike, one plan: a member role's statement
 * would pay row-level security's membership hash once per protected table it touches (six fills of
 * ~1,000 rows per page); the function checks once that `$1` is the calling role's account.
 */
export const CONVERSATION_PAGE_CALL = 'SELECT * FROM hermes_conversation_page($1, $2, $3, $4, $5, $6)';

// The current members of one conversation (conversation_members_current), admins first, with
// their stored presence. For `all` these are only the users who hold a read marker there.
const MEMBERS_OF = `SELECT m.user_id, coalesce(u.display_name, m.user_id) AS name, m.role, m.joined_at,
	m.is_muted, m.last_read_seq::text AS last_read_seq, u.presence, u.status_message, u.last_seen_at
FROM conversation_members m LEFT JOIN chat_users u ON u.user_id = m.user_id
WHERE m.conversation_id = $1 AND m.left_at IS NULL
ORDER BY m.role = 'admin' DESC, m.joined_at, m.user_id
LIMIT $2`;

// People by part of their id or name (LIKE metacharacters escaped by the caller): prefix matches
// first, then the most recently seen. chat_users is one row per person, so a scan is cheap here.
const SEARCH_USERS = `SELECT user_id, display_name FROM chat_users
WHERE user_id ILIKE $1 OR display_name ILIKE $1
ORDER BY (user_id ILIKE $2 OR display_name ILIKE $2) DESC, last_seen_at DESC, user_id
LIMIT $3`;

const IS_KNOWN_USER = 'SELECT EXISTS (SELECT 1 FROM chat_users WHERE user_id = $1) AS known';

const PRESENCES_OF = `SELECT user_id, display_name, presence, status_message, last_seen_at
FROM chat_users WHERE user_id = ANY($1::text[])`;

/**
 * One row of a user's conversation list: title is the room's title, the peer's display name
 * (their id when never seen) or {@link BROADCAST_PEER_NAME}; unread stops at {@link UNREAD_COUNT_CAP}.
 */
export type ConversationRow = ConversationSummary;

/** A user's stored presence; `at` is `last_seen_at` in ms. */
export type StoredPresence = Presence;

/** A current member with their stored presence (undefined when chat_users has no row for them). */
export interface MemberRow extends Member {
	presence?: StoredPresence;
}

interface ConversationDbRow {
	conversation_id: string;
	kind: string;
	title: string;
	topic: string;
	role: string;
	is_muted: boolean;
	peer_id: string | null;
	member_count: number;
	unread: number;
	last_sender_id: string | null;
	last_sender_name: string | null;
	last_message_id: string | null;
	last_content: string | null;
	last_created_at: Date | null;
	last_message_type: string | null;
	last_status: string | null;
	last_activity_at: Date | null;
}

interface MemberDbRow {
	user_id: string;
	name: string;
	role: string;
	joined_at: Date;
	is_muted: boolean;
	last_read_seq: string;
	presence: string | null;
	status_message: string | null;
	last_seen_at: Date | null;
}

interface PresenceDbRow {
	user_id: string;
	display_name: string;
	presence: string;
	status_message: string;
	last_seen_at: Date;
}

/**
 * The conversations `userId` is a current member of (rooms and direct chats), always including
 * the broadcast `all`, most recently active first, at most `limit` (default 500). `role` is set
 * for rooms only; `lastMessage.status` only when the last message is mine (the aggregated tick:
 * `read`/`delivered` once every member who had joined when it was stored has read/delivered it).
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function loadConversations(db: Db, userId: string, limit = 500): Promise<ConversationRow[]> {
	return (await loadConversationPage(db, userId, limit)).conversations;
}

/**
 * Rows of the conversation list for the given conversation ids of mine (those I am not a current
 * member of are left out; `all` always comes), in list order: a conversation the client has not
 * loaded yet (a live message in it, `/open` of it). At most 100 ids.
 * @throws the driver's error.
 */
export async function loadConversationsById(db: Db, userId: string, conversationIds: readonly string[]): Promise<ConversationRow[]> {
	if (conversationIds.length === 0) return [];
	const ids = [...new Set(conversationIds)].slice(0, 100);
	const {rows} = await db.query<ConversationDbRow>(CONVERSATION_PAGE_CALL, conversationPageParams(userId, ids.length, undefined, ids));
	return rows.map(toConversation);
}

/**
 * The id of my conversation `name` names: its id, or a room of that title (any case, the most
 * recently active one when several), or undefined when I am in none (left rooms do not count).
 * @throws the driver's error.
 */
export async function findConversationId(db: Db, userId: string, name: string): Promise<string | undefined> {
	const {rows} = await db.query<{id: string}>(FIND_CONVERSATION, [userId, name.trim()]);
	return rows[0]?.id;
}

/** The client's first page of the list: about what fits a terminal (the rest comes by keyset). */
export const FIRST_LIST_PAGE = 50;

/**
 * Where a walk of the conversation list stands (opaque to callers; pass it back as is). Keys are
 * conversations.last_message_at in µs since the epoch as decimal text (null: no message yet).
 */
export interface ListCursor {
	/** The last key returned in list order: the next page starts after (`afterUs`, `afterId`). */
	readonly afterUs: string | null;
	readonly afterId: string;
	/** The highest key the walk has returned: a conversation above it has moved since (a new message). */
	readonly topUs: string | null;
}

/** One page of the conversation list. */
export interface ConversationPage {
	/** The page, in list order (most recently active first, ties by id), never repeating an earlier page's row. */
	conversations: ConversationRow[];
	/**
	 * Conversations with a message newer than anything the walk had returned (they moved to the
	 * top since its first page: one the walk had not reached yet would be skipped otherwise), each
	 * once per move. Always [] for a first page.
	 */
	moved: ConversationRow[];
	/** Where the next page starts; undefined when this page reached the end of the list. */
	next?: ListCursor;
}

/**
 * The parameters of {@link CONVERSATIONS_QUERY} / {@link CONVERSATION_PAGE_CALL} for a page of
 * `limit` after `cursor` (none: the first page), of the conversations `ids` only when given.
 */
export function conversationPageParams(userId: string, limit: number, cursor?: ListCursor, ids?: readonly string[]): unknown[] {
	return [userId, limit, cursor?.afterUs ?? null, cursor?.afterId ?? null, cursor?.topUs ?? null, ids ? [...ids] : null];
}

/**
 * A page of the conversations `userId` is a current member of (rooms and direct chats, always
 * including the broadcast `all`): most recently active first, by keyset on
 * (conversations.last_message_at DESC NULLS LAST, id) — never OFFSET, so a page deep in the list
 * costs what the first does and a conversation never shows twice or gets lost when others move
 * (new messages) between pages: those come back in `moved`. At most `limit` rows in all
 * (1…1000). `role` is set for rooms only; `lastMessage.status` only when the last message is mine
 * (the aggregated tick: `read`/`delivered` once every member who had joined when it was stored
 * has read/delivered it). A message committed between two pages with a storage time below the
 * walk's top (another writer's slower transaction) is not reported here: the client has it live.
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function loadConversationPage(db: Db, userId: string, limit: number, cursor?: ListCursor): Promise<ConversationPage> {
	const size = Math.min(1_000, Math.max(1, Math.floor(limit) || 1));
	// Not a named prepared statement, though it saved ~0.9 ms of the owner's ~2.8 ms CPU per first
	// page (nothing for a member role): the embedded hub serves every pg connection from PGlite's
	// one session, where a second connection preparing the same name fails ("already exists").
	const {rows} = await db.query<ConversationDbRow & {moved: boolean; key_us: string | null}>(CONVERSATION_PAGE_CALL, conversationPageParams(userId, size, cursor));
	const onward = rows.filter((r) => !r.moved);
	let topUs = cursor?.topUs ?? null;
	for (const row of rows) if (row.key_us !== null && (topUs === null || BigInt(row.key_us) > BigInt(topUs))) topUs = row.key_us;
	const last = onward.at(-1);
	const next: ListCursor | undefined =
		rows.length < size ? undefined : last ? {afterUs: last.key_us, afterId: last.conversation_id, topUs} : {afterUs: cursor!.afterUs, afterId: cursor!.afterId, topUs};
	return {conversations: onward.map(toConversation), moved: rows.filter((r) => r.moved).map(toConversation), ...(next ? {next} : {})};
}

function toConversation(row: ConversationDbRow): ConversationRow {
	const kind = row.kind as ConversationKind;
	const hasLast = row.last_created_at != null && row.last_sender_id != null && row.last_content != null;
	return {
		conversationId: row.conversation_id,
		kind,
		title: row.title,
		...(row.peer_id !== null ? {peerId: row.peer_id} : {}),
		topic: row.topic,
		memberCount: row.member_count,
		...(kind === 'group' ? {role: toRole(row.role)} : {}),
		isMuted: row.is_muted,
		unread: row.unread,
		...(hasLast
			? {
					lastMessage: {
						...(row.last_message_id !== null ? {messageId: row.last_message_id} : {}),
						senderId: row.last_sender_id!,
						senderName: row.last_sender_name ?? row.last_sender_id!,
						content: row.last_content!,
						createdAt: row.last_created_at!.getTime(),
						messageType: row.last_message_type === 'system' ? ('system' as const) : ('text' as const),
						...(row.last_status !== null ? {status: toStatus(row.last_status) as LocalStatus} : {}),
					},
				}
			: {}),
		lastActivityAt: row.last_activity_at?.getTime() ?? 0,
	};
}

/**
 * The current members of a conversation (left_at IS NULL), admins first then by join time, at
 * most `limit` (1…1000, default 1000), each with stored presence when chat_users knows them.
 * For `all`: the users who hold a read marker there. Unknown conversation → [].
 * @throws the driver's error.
 */
export async function loadMembers(db: Db, conversationId: string, limit = 1_000): Promise<MemberRow[]> {
	const size = Math.min(1_000, Math.max(1, Math.floor(limit) || 1));
	const {rows} = await db.query<MemberDbRow>(MEMBERS_OF, [conversationId, size]);
	return rows.map((row) => ({
		userId: row.user_id,
		name: row.name,
		role: toRole(row.role),
		joinedAt: row.joined_at.getTime(),
		isMuted: row.is_muted,
		lastReadSeq: Number(row.last_read_seq),
		...(row.last_seen_at
			? {presence: {userId: row.user_id, name: row.name, state: toPresenceState(row.presence ?? ''), statusMessage: row.status_message ?? '', at: row.last_seen_at.getTime()}}
			: {}),
	}));
}

function toRole(value: string): MemberRole {
	return value === 'admin' ? 'admin' : 'member';
}

function toPresenceState(value: string): PresenceState {
	return (PRESENCE_STATES as readonly string[]).includes(value) ? (value as PresenceState) : 'offline';
}

/**
 * People the server knows (`chat_users`) whose id or display name contains `query`
 * (case-insensitive, taken literally: `%` and `_` match themselves), prefix matches first, then
 * the most recently seen; '' lists the most recently seen. At most `limit` (1…500).
 * @throws the driver's error.
 */
export async function searchUsers(db: Db, query: string, limit: number): Promise<KnownUser[]> {
	const literal = query.trim().replace(/[\\%_]/g, (c) => `\\${c}`);
	const size = Math.min(500, Math.max(1, Math.floor(limit) || 1));
	const {rows} = await db.query<{user_id: string; display_name: string}>(SEARCH_USERS, [`%${literal}%`, `${literal}%`, size]);
	return rows.map((row) => ({userId: row.user_id, name: row.display_name}));
}

/**
 * Whether `userId` has ever been seen by the ingester (a row in chat_users).
 * @throws the driver's error.
 */
export async function isKnownUser(db: Db, userId: string): Promise<boolean> {
	const {rows} = await db.query<{known: boolean}>(IS_KNOWN_USER, [userId]);
	return rows[0]?.known === true;
}

/**
 * Stored presence and last seen of the given users (unknown ids are left out).
 * @throws the driver's error.
 */
export async function loadPresences(db: Db, userIds: readonly string[]): Promise<StoredPresence[]> {
	if (userIds.length === 0) return [];
	const {rows} = await db.query<PresenceDbRow>(PRESENCES_OF, [userIds]);
	return rows.map((row) => ({
		userId: row.user_id,
		name: row.display_name,
		state: toPresenceState(row.presence),
		statusMessage: row.status_message,
		at: row.last_seen_at.getTime(),
	}));
}
