-- 010 list order: every insert into chat_messages advances its conversation's last_seq/last_message_at, so the conversation list is ordered from conversations alone (issue 12).
-- Up Migration

-- Why: the list ordered a user's conversations by GREATEST(newest message's created_at,
-- conversations.last_message_at), because the Hermes source system inserts chat_messages rows
-- itself without moving last_message_at; finding each newest message was one backward index probe
-- per conversation before the sort (1,000 probes for a user in 1,000 conversations: about half
-- the list's time at 1,000,000 messages, bench/history.ts). Now the database keeps the two
-- columns exact for every writer: one statement-level trigger per INSERT statement (one UPDATE of
-- the conversations the statement stored into, from its transition table), which replaces the
-- ingester's own upsert of them in its batch statement, so the ingester still does one write of
-- conversations per batch. Both columns only grow (GREATEST), as before. The list reads the newest
-- message only for the rows it returns.
CREATE FUNCTION chat_messages_advance_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Locks in id order, as the ingester's chain locks (no deadlock between two writers).
    UPDATE conversations c
    SET last_seq = GREATEST(c.last_seq, n.last_seq), last_message_at = GREATEST(c.last_message_at, n.last_message_at)
    FROM (SELECT conversation_id, max(seq) AS last_seq, max(created_at) AS last_message_at
        FROM chat_messages_inserted GROUP BY conversation_id ORDER BY conversation_id) AS n
    WHERE c.id = n.conversation_id
        AND (c.last_seq < n.last_seq OR c.last_message_at IS NULL OR c.last_message_at < n.last_message_at);
    RETURN NULL;
END $$;
CREATE TRIGGER chat_messages_advance_conversations AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS chat_messages_inserted
    FOR EACH STATEMENT EXECUTE FUNCTION chat_messages_advance_conversations();

-- Backfill: what the source system stored without moving them.
UPDATE conversations c
SET last_seq = GREATEST(c.last_seq, n.last_seq), last_message_at = GREATEST(c.last_message_at, n.last_message_at)
FROM (SELECT conversation_id, max(seq) AS last_seq, max(created_at) AS last_message_at
    FROM chat_messages GROUP BY conversation_id) AS n
WHERE c.id = n.conversation_id
    AND (c.last_seq < n.last_seq OR c.last_message_at IS NULL OR c.last_message_at < n.last_message_at);
