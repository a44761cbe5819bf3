-- 004 conversations: the conversation as a first-class entity with members (issue 8).
-- Up Migration

-- Why: a conversation was "a pair of users" (ids `a:b`, conversation_members.peer_id), so rooms,
-- roles, per-member receipts and access control could not be expressed. Conversations now have
-- a kind and their own row; members have a role, join/leave times, mute and a read marker.
-- Ids keep their form, so no stored message changes: direct `a:b` (the two user ids sorted,
-- joined by ':'), broadcast `all`, group `room-…` (chosen by the creator's client; never
-- contains ':' so it cannot be a direct id).

CREATE TABLE conversations (
    id VARCHAR(201) PRIMARY KEY,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('direct', 'group', 'broadcast')),
    -- Group rooms only; a direct conversation is shown under the other member's name.
    title VARCHAR(100) NOT NULL DEFAULT '',
    topic VARCHAR(500) NOT NULL DEFAULT '',
    -- NULL for conversations that existed before this migration (and for `all`).
    created_by VARCHAR(100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- Newest stored message (kept by the ingester in the batch that stores it).
    last_message_at TIMESTAMPTZ,
    last_seq BIGINT NOT NULL DEFAULT 0,
    CHECK (kind <> 'direct' OR id ~ '^[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$'),
    CHECK (kind <> 'group' OR id ~ '^room-[A-Za-z0-9_-]{1,96}$'),
    CHECK (kind <> 'broadcast' OR id = 'all')
);

-- Every conversation that has messages or members today.
INSERT INTO conversations (id, kind, created_at, last_message_at, last_seq)
SELECT conversation_id,
    CASE WHEN conversation_id = 'all' THEN 'broadcast' ELSE 'direct' END,
    min(created_at), max(created_at), max(seq)
FROM chat_messages GROUP BY conversation_id;
INSERT INTO conversations (id, kind, created_at)
SELECT conversation_id, CASE WHEN conversation_id = 'all' THEN 'broadcast' ELSE 'direct' END, min(last_message_at)
FROM conversation_members GROUP BY conversation_id
ON CONFLICT (id) DO NOTHING;
INSERT INTO conversations (id, kind) VALUES ('all', 'broadcast') ON CONFLICT (id) DO NOTHING;

-- Members: the old per-user rows gain a role, join/leave times and mute; peer_id and the
-- per-user copies of the conversation's activity go (they live on conversations now).
ALTER TABLE conversation_members
    ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    ADD COLUMN joined_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    ADD COLUMN left_at TIMESTAMPTZ,
    ADD COLUMN is_muted BOOLEAN NOT NULL DEFAULT false;

-- Both participants of every direct conversation are members, with or without a row today
-- (a row appeared only once a user sent or read); read marker 0 for a new row, as before.
INSERT INTO conversation_members (user_id, conversation_id, peer_id, last_read_seq)
SELECT p.user_id, c.id, '', 0
FROM conversations c
CROSS JOIN LATERAL (VALUES (split_part(c.id, ':', 1)), (split_part(c.id, ':', 2))) AS p (user_id)
WHERE c.kind = 'direct'
ON CONFLICT (user_id, conversation_id) DO NOTHING;

UPDATE conversation_members m SET joined_at = c.created_at
FROM conversations c WHERE c.id = m.conversation_id;

DROP INDEX conversation_members_recent;
ALTER TABLE conversation_members
    DROP COLUMN peer_id,
    DROP COLUMN last_seq,
    DROP COLUMN last_message_at,
    ADD CONSTRAINT conversation_members_conversation_fkey
        FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE;

-- "The current members of a conversation" (fan-out, membership checks) is an index scan.
CREATE INDEX conversation_members_current ON conversation_members (conversation_id, user_id) WHERE left_at IS NULL;
-- The conversation list orders a user's conversations by the conversation's last activity.
CREATE INDEX conversations_recent ON conversations (last_message_at DESC NULLS LAST);

ALTER TABLE chat_messages
    ADD CONSTRAINT chat_messages_conversation_fkey FOREIGN KEY (conversation_id) REFERENCES conversations (id);
-- message_type: the ingester writes `text`, or `system` for a membership line stored by the server
-- ("alice added bob"), never sent by a client. No CHECK: the Hermes source system writes its own
-- types (e.g. `notification`) and must keep working.

-- A writer that predates conversations (the Hermes source system inserts chat_messages rows
-- itself) keeps working: the direct or broadcast conversation its message names is created when
-- missing, with both participants of a direct one as members (as this migration does for the
-- rows it finds). Group rooms exist only through the server, so an unknown room id still fails
-- the foreign key. The ingester creates conversations before it stores messages, so for it this
-- is one primary-key probe per row. It does not move last_message_at/last_seq (the ingester does).
CREATE FUNCTION chat_messages_ensure_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM conversations WHERE id = NEW.conversation_id)
        AND (NEW.conversation_id = 'all' OR NEW.conversation_id ~ '^[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$') THEN
        INSERT INTO conversations (id, kind)
        VALUES (NEW.conversation_id, CASE WHEN NEW.conversation_id = 'all' THEN 'broadcast' ELSE 'direct' END)
        ON CONFLICT (id) DO NOTHING;
        INSERT INTO conversation_members (user_id, conversation_id)
        SELECT p.user_id, NEW.conversation_id FROM unnest(string_to_array(NEW.conversation_id, ':')) AS p (user_id)
        WHERE NEW.conversation_id <> 'all'
        ON CONFLICT (user_id, conversation_id) DO NOTHING;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chat_messages_ensure_conversation BEFORE INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION chat_messages_ensure_conversation();
