// Full-text search over the conversations a user is a member of (issue 10, outcome 6), on the
// search_vector column and its GIN index (migration 007). May import pg (via db.ts), protocol/ and core/types.
import {randomBytes} from 'node:crypto';
import type {SearchHit, SearchQuery} from '../core/types.js';
import {BROADCAST_ID} from '../protocol/index.js';
import type {Db} from './db.js';

/** Longest search text, in characters (the issue's limit; websearch_to_tsquery parses it). */
export const MAX_SEARCH_LENGTH = 200;
/** Hits per request when the query names no limit, and the most it may ask for. */
export const DEFAULT_SEARCH_LIMIT = 50;
export const MAX_SEARCH_LIMIT = 200;
/** The text search configuration of migration 007 (no stemming, no stop words: any language). */
export const SEARCH_CONFIG = 'simple';

// What the parser made of the text: no lexemes at all ("!!!", "-"), or nothing an index can find
// (only negations: `-word` alone matches every message without it, a scan of everything).
const CHECK_QUERY = `SELECT numnode(q) AS nodes, querytree(q) AS tree
FROM websearch_to_tsquery('${SEARCH_CONFIG}', $1) AS q`;

// Conversations searched: my current member rows (a room I left is no longer searched) plus the
// broadcast `all`, which every user reads. The explicit join holds whatever row-level security
// later adds. Deleted messages: content '' (an empty vector) and deleted_at (migration 006).
// Newest first by seq (storage order), keyset `seq < $n` for the next page. Membership as an
// array (`= ANY (ARRAY(…))`, computed once) rather than `IN (subquery)`: with IN the planner
// joined per conversation and scanned the GIN index once per conversation (52 ms for one word
// in bench/search.ts) instead of once, ANDed with the conversations' bitmap (5 ms). Very common
// words are read backwards along seq instead, stopping at the page's 50th hit. ts_headline
// (costly) runs on the page only, in the outer query.
const SEARCH_SELECT = (filters: string, limit: string) => `
WITH mine AS (
	SELECT conversation_id FROM conversation_members WHERE user_id = $1 AND left_at IS NULL
	UNION SELECT '${BROADCAST_ID}'
), hits AS (
	SELECT m.conversation_id, m.message_id, m.sender_id, m.sender_name, m.seq, m.created_at, m.content
	FROM chat_messages m
	WHERE m.search_vector @@ websearch_to_tsquery('${SEARCH_CONFIG}', $2)
		AND m.conversation_id = ANY (ARRAY(SELECT conversation_id FROM mine))
		AND m.message_type <> 'system' AND m.content <> '' AND m.deleted_at IS NULL${filters}
	ORDER BY m.seq DESC
	LIMIT ${limit}
)
SELECT h.conversation_id, h.message_id, h.sender_id, h.sender_name, h.seq::text AS seq, h.created_at,
	ts_headline('${SEARCH_CONFIG}', h.content, websearch_to_tsquery('${SEARCH_CONFIG}', $2), $3) AS headline,
	CASE WHEN c.kind = 'broadcast' THEN 'everyone'
		WHEN c.kind = 'direct' THEN coalesce(u.display_name, peer.id)
		ELSE c.title END AS conversation_title
FROM hits h
JOIN conversations c ON c.id = h.conversation_id
LEFT JOIN LATERAL (SELECT CASE WHEN split_part(c.id, ':', 1) = $1 THEN split_part(c.id, ':', 2)
	ELSE split_part(c.id, ':', 1) END AS id) AS peer ON c.kind = 'direct'
LEFT JOIN chat_users u ON u.user_id = peer.id
ORDER BY h.seq DESC`;

interface HitRow {
	conversation_id: string;
	message_id: string;
	sender_id: string;
	sender_name: string;
	seq: string;
	created_at: Date;
	headline: string;
	conversation_title: string;
}

/** A search request as the store takes it: {@link SearchQuery} plus the keyset of the next page. */
export interface SearchRequest extends SearchQuery {
	/** Only hits stored before this `seq` (the last hit of the previous page). */
	beforeSeq?: number;
}

/** Result of {@link searchMessages}: hits newest first, or a one-line reason nothing was searched. */
export interface SearchResult {
	hits: SearchHit[];
	error?: string;
}

/**
 * Why `query` cannot be searched (one line), or undefined: text 1–{@link MAX_SEARCH_LENGTH}
 * characters after trimming, finite ms dates with `after` < `before`, limit 1–{@link MAX_SEARCH_LIMIT}.
 */
export function refuseSearch(query: SearchRequest): string | undefined {
	const text = query.text.trim();
	if (!text) return 'type something to search for';
	if (text.length > MAX_SEARCH_LENGTH) return `search text too long (${text.length} characters, at most ${MAX_SEARCH_LENGTH})`;
	for (const [name, value] of [['--before', query.before], ['--after', query.after]] as const) {
		if (value !== undefined && !Number.isFinite(value)) return `${name}: not a date`;
	}
	if (query.before !== undefined && query.after !== undefined && query.after >= query.before) return '--after must be earlier than --before';
	if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_SEARCH_LIMIT)) {
		return `limit must be 1–${MAX_SEARCH_LIMIT}`;
	}
	return undefined;
}

/**
 * Full-text search for `viewerId` (PostgreSQL websearch_to_tsquery syntax: words, "a phrase",
 * -word, `or`; configuration {@link SEARCH_CONFIG}) over the conversations they are a current
 * member of and the broadcast, newest first, at most `limit` (default {@link DEFAULT_SEARCH_LIMIT})
 * hits. Filters: `conversationId`, `fromUserId`, `after` ≤ time < `before` (ms), `beforeSeq`.
 * Deleted and system messages never match. Each hit's `snippet` is ts_headline's excerpt and
 * `matches` the highlighted words in it (ts_headline drops HTML-like tags from the excerpt); the
 * highlight markers are random per request, so text in a message cannot forge one.
 * @returns `{hits: [], error}` for a query that cannot be searched (too long, no words, only -words).
 * @throws the driver's error (database unreachable, schema missing).
 */
export async function searchMessages(db: Db, viewerId: string, query: SearchRequest): Promise<SearchResult> {
	const refusal = refuseSearch(query);
	if (refusal) return {hits: [], error: refusal};
	const text = query.text.trim();
	const check = await db.query<{nodes: number; tree: string}>(CHECK_QUERY, [text]);
	if (check.rows[0]!.nodes === 0) return {hits: [], error: 'nothing to search for: use words of letters or digits'};
	if (check.rows[0]!.tree === 'T') return {hits: [], error: 'search for at least one word that must appear (not only -word)'};

	const marker = randomBytes(9).toString('hex');
	const start = `hs${marker}`;
	const stop = `he${marker}`;
	const values: unknown[] = [viewerId, text, `StartSel=${start}, StopSel=${stop}, MaxWords=30, MinWords=12, ShortWord=2`];
	const filter = (sql: string, value: unknown) => {
		values.push(value);
		return `\n\t\tAND ${sql.replace('$?', `$${values.length}`)}`;
	};
	let filters = '';
	if (query.conversationId !== undefined) filters += filter('m.conversation_id = $?', query.conversationId);
	if (query.fromUserId !== undefined) filters += filter('m.sender_id = $?', query.fromUserId);
	if (query.before !== undefined) filters += filter('m.created_at < $?', new Date(query.before));
	if (query.after !== undefined) filters += filter('m.created_at >= $?', new Date(query.after));
	if (query.beforeSeq !== undefined) filters += filter('m.seq < $?', query.beforeSeq);
	values.push(query.limit ?? DEFAULT_SEARCH_LIMIT);
	const result = await db.query<HitRow>(SEARCH_SELECT(filters, `$${values.length}`), values);
	return {hits: result.rows.map((row) => toHit(row, start, stop))};
}

/** The search statement with every filter, for EXPLAIN (benchmarks, tests): `$1` viewer, `$2` text, `$3` headline options, `$4` limit. */
export const SEARCH_QUERY = SEARCH_SELECT('', '$4');

function toHit(row: HitRow, start: string, stop: string): SearchHit {
	const {snippet, matches} = splitHighlights(row.headline, start, stop);
	return {
		conversationId: row.conversation_id,
		conversationTitle: row.conversation_title ?? row.conversation_id,
		messageId: row.message_id,
		senderId: row.sender_id,
		senderName: row.sender_name,
		seq: Number(row.seq),
		createdAt: row.created_at.getTime(),
		snippet,
		matches,
	};
}

/**
 * Remove the `start`/`stop` markers ts_headline put around matched words and return the plain
 * text with the [start, end) UTF-16 ranges they enclosed, ascending and non-overlapping.
 * Adjacent ranges are merged. Unbalanced markers (impossible unless the text guessed the
 * random marker) give the text without any range.
 */
export function splitHighlights(headline: string, start: string, stop: string): {snippet: string; matches: Array<[number, number]>} {
	let snippet = '';
	const matches: Array<[number, number]> = [];
	let rest = headline;
	for (;;) {
		const open = rest.indexOf(start);
		if (open < 0) break;
		const close = rest.indexOf(stop, open + start.length);
		if (close < 0) break;
		snippet += rest.slice(0, open);
		const from = snippet.length;
		snippet += rest.slice(open + start.length, close);
		const last = matches.at(-1);
		if (last && last[1] === from) last[1] = snippet.length;
		else if (snippet.length > from) matches.push([from, snippet.length]);
		rest = rest.slice(close + stop.length);
	}
	snippet += rest;
	if (snippet.includes(start) || snippet.includes(stop)) {
		return {snippet: snippet.replaceAll(start, '').replaceAll(stop, ''), matches: []};
	}
	return {snippet, matches};
}
