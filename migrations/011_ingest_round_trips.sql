-- 011 ingest round trips: chat_messages' per-row ensure trigger is skipped in a transaction that has created or locked its messages' conversations itself (the ingester), issue 12.
-- Up Migration

-- Why: the trigger (migration 004) keeps writers that predate conversations (the Hermes source
-- system inserts chat_messages rows itself) working, by creating a missing direct or broadcast
-- conversation. For the ingester it was a primary-key probe per row that always found the
-- conversation — 8 µs of PostgreSQL's time per stored message (plpgsql call included; issue 12,
-- bench/ingest-speed.ts with BENCH_PG_STATEMENTS=1) — because the ingester creates or locks
-- every conversation of its batch in the statement before its INSERT
-- (src/store/ingest-queries.ts, ENSURE_AND_LOCK_CHAINS), and then sets the transaction-local
-- `hermes.conversations_ensured` to 'on'. The WHEN clause is evaluated without calling the
-- function. Every other writer (the setting unset, or '' once a transaction that set it ended)
-- gets the trigger as before. A writer that sets it without ensuring its conversations gains
-- nothing: its row then fails chat_messages_conversation_fkey instead of creating one.
DROP TRIGGER chat_messages_ensure_conversation ON chat_messages;
CREATE TRIGGER chat_messages_ensure_conversation BEFORE INSERT ON chat_messages
    FOR EACH ROW
    WHEN (current_setting('hermes.conversations_ensured', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION chat_messages_ensure_conversation();
