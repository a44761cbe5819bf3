-- 006 message actions: replies, edits with kept versions, soft deletes and reactions (issue 10).
-- Up Migration

-- Why: the Atoms chat has reply threading, editing and soft deletion; users of terminal chats ask
-- for reactions. Every new chat_messages column is nullable or has a default, so the Hermes source
-- system's own INSERTs (which name only its columns) keep working unchanged.

ALTER TABLE chat_messages
    -- A reply names its original (a message is (sender_id, message_id), migration 003); the
    -- ingester keeps it only when the original is in the same conversation, and stores its seq.
    ADD COLUMN reply_to_sender_id VARCHAR(100),
    ADD COLUMN reply_to_message_id VARCHAR(255),
    ADD COLUMN reply_to_seq BIGINT,
    -- 0 for the original text, n after the n-th edit (protocol `edit.version`).
    ADD COLUMN version INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN edited_at TIMESTAMPTZ,
    -- Soft delete: the row and its receipts stay; content becomes '' (and so do its earlier versions).
    ADD COLUMN deleted_at TIMESTAMPTZ,
    ADD COLUMN deleted_by VARCHAR(100),
    ADD CONSTRAINT chat_messages_reply_pair CHECK ((reply_to_sender_id IS NULL) = (reply_to_message_id IS NULL)),
    ADD CONSTRAINT chat_messages_deleted_empty CHECK (deleted_at IS NULL OR content = '');

-- Every earlier text of an edited message: the text of `version` until `replaced_at`, when
-- `replaced_by` stored the next one. Deleting the message empties these too.
CREATE TABLE message_versions (
    message_id VARCHAR(255) NOT NULL,
    sender_id VARCHAR(100) NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    -- When this text was stored (the message's created_at for version 0, else its edit time).
    created_at TIMESTAMPTZ NOT NULL,
    replaced_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    replaced_by VARCHAR(100) NOT NULL,
    PRIMARY KEY (message_id, sender_id, version),
    FOREIGN KEY (message_id, sender_id) REFERENCES chat_messages (message_id, sender_id) ON DELETE CASCADE
);

-- One row per (message, user, emoji); taking a reaction back deletes its row.
CREATE TABLE message_reactions (
    message_id VARCHAR(255) NOT NULL,
    sender_id VARCHAR(100) NOT NULL,
    user_id VARCHAR(100) NOT NULL,
    -- One emoji (protocol refuseEmoji: one grapheme, at most 32 bytes of UTF-8).
    emoji VARCHAR(32) NOT NULL CHECK (octet_length(emoji) <= 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- History pages aggregate a message's reactions: a prefix scan of this key.
    PRIMARY KEY (message_id, sender_id, emoji, user_id),
    FOREIGN KEY (message_id, sender_id) REFERENCES chat_messages (message_id, sender_id) ON DELETE CASCADE
);

-- The idempotency ids of applied edits, deletes and reactions: a re-sent action (QoS 1, the
-- client's outbox) is confirmed again and never applied twice. Refused actions leave no row.
CREATE TABLE message_actions (
    action_id VARCHAR(255) NOT NULL,
    actor_id VARCHAR(100) NOT NULL,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('edit', 'delete', 'react')),
    message_id VARCHAR(255) NOT NULL,
    sender_id VARCHAR(100) NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (action_id, actor_id),
    FOREIGN KEY (message_id, sender_id) REFERENCES chat_messages (message_id, sender_id) ON DELETE CASCADE
);
CREATE INDEX message_actions_message ON message_actions (message_id, sender_id);

-- Row-level security for members (migration 005's hermes_member role; writes stay the owner's,
-- i.e. the ingester's). Neither table carries a conversation, so each row follows its message:
-- the subquery on chat_messages is itself filtered by chat_messages' policy, as message_status's is.
-- Reactions: visible with the message they are on.
ALTER TABLE message_reactions ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON message_reactions TO hermes_member;
CREATE POLICY hermes_member_read ON message_reactions FOR SELECT TO hermes_member USING (
    EXISTS (SELECT 1 FROM chat_messages m WHERE m.message_id = message_reactions.message_id AND m.sender_id = message_reactions.sender_id));
-- Earlier versions: the author's own only (an edit hides the old text from everybody else), and
-- only while the author can still see the message.
ALTER TABLE message_versions ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON message_versions TO hermes_member;
CREATE POLICY hermes_member_read ON message_versions FOR SELECT TO hermes_member USING (
    sender_id = current_user::text
        AND EXISTS (SELECT 1 FROM chat_messages m WHERE m.message_id = message_versions.message_id AND m.sender_id = message_versions.sender_id));
-- message_actions (idempotency ids) and migration 007's statistics views: no grant, owner only.
