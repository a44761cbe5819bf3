-- 002 created_at index: `/history --before <date>` finds its place by storage time in an index scan.
-- Up Migration

-- The last message of a conversation stored before a date is the first row of a backward scan
-- of this index from (conversation_id, date); the page itself is then read by seq as usual.
CREATE INDEX chat_messages_conversation_created_at ON chat_messages (conversation_id, created_at, seq);
