-- 009 list speed: a member's conversations and account are found through the primary keys (issue 12).
-- Up Migration

-- Why: `current_user::text` has the collation of `name` ("C"), not the column's ("default"), and an
-- index serves a comparison only in its own collation; so `user_id = current_user::text` was never
-- an index condition and every fill of hermes_my_conversations (one per policy instance: three per
-- history page, seven in the conversation list) read the whole of conversation_members, and
-- hermes_my_account the whole of accounts. Measured: 1.4 ms of CPU per fill with 9,400 member rows,
-- 7.2 ms with 54,000 (bench/history.ts) — growing with everybody's memberships, not the reader's.
-- `COLLATE "default"` makes both primary-key lookups. The comparison is byte-wise in either
-- collation for these ids (ASCII letters, digits, `_.-`), so the rows are the same; same columns,
-- same owner rights, and current_user is still read when the statement runs (a SET ROLE between
-- statements, as the embedded hub does, still counts).
CREATE OR REPLACE VIEW hermes_my_conversations WITH (security_barrier) AS
SELECT m.conversation_id, m.left_at
FROM conversation_members m
WHERE m.user_id = current_user::text COLLATE "default"
    AND EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = current_user::text COLLATE "default" AND a.disabled_at IS NULL)
UNION ALL
SELECT 'all'::varchar, NULL::timestamptz
WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = current_user::text COLLATE "default" AND a.disabled_at IS NULL);

CREATE OR REPLACE VIEW hermes_my_account WITH (security_barrier) AS
SELECT a.user_id FROM accounts a WHERE a.user_id = current_user::text COLLATE "default" AND a.disabled_at IS NULL;
