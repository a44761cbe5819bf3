-- 005 accounts + row-level security: each person logs in as their own role and reads only their conversations (issue 9).
-- Up Migration

-- Why: every TUI was given the owner's URL, so anyone could read (and change) everybody's direct
-- messages with psql. Now an account is a row here plus a LOGIN role of the same name, member of
-- the NOLOGIN group role hermes_member (src/store/accounts.ts creates both). hermes_member may
-- SELECT the chat tables and nothing else; row-level security shows it only the conversations its
-- current_user is (or was) a member of, their messages, receipts and members, plus the broadcast
-- `all`. The owner (migrations, the ingester) owns the tables, so RLS does not apply to it and
-- its queries and plans are unchanged. Roles are cluster-wide, accounts are per database: a role
-- without a (not disabled) row here sees nothing, not even `all`.

-- password_hash: a PHC string of scrypt (node:crypto), `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`
-- (src/accounts/password.ts). PostgreSQL checks logins itself against the role's SCRAM-SHA-256
-- verifier; this hash lets other front doors (the embedded hub, sign-up) verify a password
-- without a database login. 63 characters at most: a PostgreSQL role name is at most 63 bytes
-- (NAMEDATALEN - 1), and a longer id would be silently truncated into another role's name.
CREATE TABLE accounts (
    user_id VARCHAR(100) PRIMARY KEY
        CHECK (user_id ~ '^[A-Za-z0-9_.-]{1,63}$' AND lower(user_id) NOT IN ('all', 'presence', 'server')),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$scrypt$%'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    disabled_at TIMESTAMPTZ
);

-- Roles are cluster-wide and many databases may run this migration at the same moment on one
-- cluster (tests do): the loser of that race gets duplicate_object, or unique_violation when both
-- inserted into pg_authid at once. Creating it needs CREATEROLE; an owner without it can have an
-- administrator run `CREATE ROLE hermes_member NOLOGIN` first, and this migration then only grants.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hermes_member') THEN
        CREATE ROLE hermes_member NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;

-- The conversations the current role may read: its member rows (current, or left with the time it
-- left) and `all`, only while it holds an enabled account in this database. A view runs with its
-- owner's rights (the table owner, to whom RLS does not apply, so there is no recursion through
-- conversation_members' own policy), while current_user inside it is still the querying role.
-- `current_user::text`: current_user is of type name, and `varchar = name` is not an operator of
-- the primary key's text_ops, so without the cast every lookup was a sequential scan of
-- conversation_members (measured: minutes for one max(seq) as a member, 211,000 messages).
CREATE VIEW hermes_my_conversations WITH (security_barrier) AS
SELECT m.conversation_id, m.left_at
FROM conversation_members m
WHERE m.user_id = current_user::text
    AND EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = current_user::text AND a.disabled_at IS NULL)
UNION ALL
SELECT 'all'::varchar, NULL::timestamptz
WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = current_user::text AND a.disabled_at IS NULL);

-- hermes_my_conversations as a function, for the policies: a plpgsql function is not inlined, so
-- each policy costs the planner one function scan instead of the view's union and its account
-- tests (planning was 8.6 ms of a 14 ms page as a member, 0.5 ms as the owner), and plpgsql keeps
-- its plan for the session. search_path is pinned (pg_temp last), so a member cannot substitute a
-- temporary relation for the view.
CREATE FUNCTION hermes_member_conversations() RETURNS TABLE (conversation_id varchar, left_at timestamptz)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 100 AS $$
BEGIN
    RETURN QUERY SELECT c.conversation_id, c.left_at FROM hermes_my_conversations c;
END $$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION hermes_member_conversations() SET search_path = %I, pg_temp', current_schema());
END $$;

-- When the current role left `conversation_id` (NULL while it is a member or never was). Used by
-- the policies only for rows of conversations the role left; a function (COST 5) rather than a
-- correlated subquery, so the planner does not cost every row as if it ran a subplan (such
-- estimates pushed the conversation list past jit_above_cost, and compiling it took 14 s).
CREATE FUNCTION hermes_left_at(conversation_id varchar) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE COST 5
RETURN (SELECT max(c.left_at) FROM hermes_my_conversations c WHERE c.conversation_id = hermes_left_at.conversation_id);

-- The reusable piece, one statement per table for later migrations (issue 10's reactions and
-- message versions):
--     SELECT hermes_protect_table('reactions', 'conversation_id');
--     SELECT hermes_protect_table('message_versions', 'conversation_id', 'created_at');
-- enables RLS on the table, lets hermes_member SELECT it and nothing else, and adds the policy
-- `hermes_member_read`: a row is visible when its conversation is one of hermes_my_conversations;
-- with a stored-at column, a conversation the role left shows only rows stored before it left.
-- The policy is written as `col IN (SELECT … FROM hermes_member_conversations())`: the planner
-- makes it a hashed subplan, filled once per statement, so each row costs one hash probe (a
-- function called per row, e.g. an EXISTS probe, cannot be inlined and runs its own plan per row).
-- Policy expressions are parsed here, so their references are bound now. A table without a
-- conversation column writes its own policy, as message_status does below.
CREATE FUNCTION hermes_protect_table(target regclass, conversation_column name, stored_at_column name DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    visible text;
BEGIN
    IF stored_at_column IS NULL THEN
        visible := format('%I IN (SELECT c.conversation_id FROM hermes_member_conversations() c)', conversation_column);
    ELSE
        -- Rows of a conversation the role left are the rare case: the per-row comparison with
        -- left_at runs only for them, behind a second hashed test.
        visible := format('%1$I IN (SELECT c.conversation_id FROM hermes_member_conversations() c WHERE c.left_at IS NULL)
            OR (%1$I IN (SELECT c.conversation_id FROM hermes_member_conversations() c WHERE c.left_at IS NOT NULL)
                AND %2$I <= hermes_left_at(%1$I))', conversation_column, stored_at_column);
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('REVOKE ALL ON %s FROM hermes_member', target);
    EXECUTE format('GRANT SELECT ON %s TO hermes_member', target);
    EXECUTE format('CREATE POLICY hermes_member_read ON %s FOR SELECT TO hermes_member USING (%s)', target, visible);
END $$;
REVOKE ALL ON FUNCTION hermes_protect_table(regclass, name, name) FROM PUBLIC;

SELECT hermes_protect_table('conversations', 'id');
SELECT hermes_protect_table('conversation_members', 'conversation_id');
SELECT hermes_protect_table('chat_messages', 'conversation_id', 'created_at');

-- One row while the current role holds an enabled account in this database (owner rights, as
-- hermes_my_conversations): one primary-key probe, evaluated once per statement.
CREATE VIEW hermes_my_account WITH (security_barrier) AS
SELECT a.user_id FROM accounts a WHERE a.user_id = current_user::text AND a.disabled_at IS NULL;

-- Receipts carry no conversation: a row is visible when it is the role's own (its receipts, or
-- any receipt of a message it sent: sender_id is the message's sender, migration 003), else when
-- its message is visible. The two column tests settle the tick state of one's own messages
-- without the subquery; the subquery on chat_messages is itself filtered by chat_messages' policy
-- (one probe of its unique key (message_id, sender_id), then the hashed membership test).
ALTER TABLE message_status ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON message_status TO hermes_member;
CREATE POLICY hermes_member_read ON message_status FOR SELECT TO hermes_member USING (
    (user_id = current_user::text OR sender_id = current_user::text)
        AND EXISTS (SELECT 1 FROM hermes_my_account)
    OR EXISTS (SELECT 1 FROM chat_messages m WHERE m.message_id = message_status.message_id AND m.sender_id = message_status.sender_id));

-- The user directory (display name, presence, last seen) is everybody's: the switcher finds anyone
-- who has used the server, and presence is on a retained MQTT topic anyway. No RLS, SELECT only.
GRANT SELECT ON chat_users TO hermes_member;
GRANT SELECT ON hermes_my_conversations, hermes_my_account TO hermes_member;
-- accounts, pgmigrations and every sequence: no grant at all.
