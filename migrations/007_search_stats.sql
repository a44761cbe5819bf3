-- 007 search and stats: mentions, a full-text search vector with its GIN index, and the daily statistics views (issue 10).
-- Up Migration

-- Mentions: the user ids a text message names with `@id` (protocol/mentions.ts mentionsOf), filled
-- by the ingester as it stores a message. NULL = none, or stored before this migration (no
-- backfill: it would rewrite every row). No index: the one reader, the "while you were away"
-- summary, tests `$me = ANY(mentions)` only on the unread rows it has already found through
-- chat_messages_conversation_seq.
ALTER TABLE chat_messages ADD COLUMN mentions TEXT[];

-- Search: a stored generated tsvector (not an expression index) so that filtering, rechecking a
-- phrase and the seq-ordered plans the planner picks for very common words read the vector from
-- the row instead of parsing the text again (to_tsvector on every candidate row). Configuration
-- `simple`: lower-cased words, no stemming and no stop words, so it works the same for every
-- language people chat in (`english` would stem "deploys" to "deploy" but mangle Spanish and drop
-- "the", "who", "not"). A deleted message's content is '' (migration 006), so its vector is empty
-- and it matches nothing; the search query also skips deleted rows explicitly.
-- Adding the column rewrites chat_messages once (seconds per million rows, under an exclusive lock).
ALTER TABLE chat_messages
    ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED;
CREATE INDEX chat_messages_search ON chat_messages USING GIN (search_vector);

-- Statistics: materialized views, refreshed CONCURRENTLY by the ingester every 10 minutes
-- (store/stats.ts refreshStats, ingest option statsRefreshMs; the model is the Messenger's
-- scheduled chat_summary job), read by `hermes-chat stats`. Materialized because the source is
-- every message and every receipt: computed at read time a 30-day report scans millions of
-- message_status rows. Days are UTC dates.

-- Messages per day, conversation and sender (everything but the server's `system` lines).
CREATE MATERIALIZED VIEW chat_stats_daily AS
SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day, m.conversation_id, m.sender_id, count(*)::bigint AS messages
FROM chat_messages m
WHERE m.message_type <> 'system'
GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX chat_stats_daily_key ON chat_stats_daily (day, conversation_id, sender_id);

-- Delivery and read delays as a histogram per day (of the message's received_by_server time):
-- delay = the recipient's `delivered` / `read` time − the server's `received_by_server` time, in
-- ms (rounded), negative (clock skew of the recipient's device) counted as 0. Buckets keep two significant
-- digits (exact below 100 ms, 10 ms wide below 1 s, 100 ms below 10 s, …), so medians over any
-- range of days are computed from sums (a median of medians would not be one) and are at most
-- 10% low.
CREATE MATERIALIZED VIEW chat_stats_delays AS
WITH delays AS (
    SELECT (s.timestamp AT TIME ZONE 'UTC')::date AS day, r.status AS kind,
        GREATEST(0, round(extract(epoch FROM r.timestamp - s.timestamp) * 1000))::bigint AS ms
    FROM message_status s
    JOIN message_status r ON r.message_id = s.message_id AND r.sender_id = s.sender_id
        AND r.status IN ('delivered', 'read') AND r.user_id <> s.sender_id
    WHERE s.status = 'received_by_server'
)
SELECT day, kind,
    CASE WHEN ms < 100 THEN ms ELSE ms - ms % (10 ^ (floor(log(ms)) - 1))::bigint END AS bucket_ms,
    count(*)::bigint AS count
FROM delays
GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX chat_stats_delays_key ON chat_stats_delays (day, kind, bucket_ms);

-- When the views were last refreshed (one row), for the report's "as of" line.
CREATE TABLE chat_stats_refreshed (
    id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    refreshed_at TIMESTAMPTZ NOT NULL
);
INSERT INTO chat_stats_refreshed (refreshed_at) VALUES (now());
