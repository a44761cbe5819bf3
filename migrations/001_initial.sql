-- 001 initial: the Hermes tables (chat_messages, message_status) plus users, conversations and read markers.
-- Up Migration

CREATE TABLE chat_messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id VARCHAR(255) UNIQUE NOT NULL,
    sender_id VARCHAR(100) NOT NULL,
    sender_name VARCHAR(100) NOT NULL,
    receiver_id VARCHAR(100) NOT NULL,
    content TEXT NOT NULL,
    message_type VARCHAR(50) NOT NULL DEFAULT 'text',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- 'all' for broadcasts, else the two user ids sorted and joined by ':' (protocol conversationIdFor).
    conversation_id VARCHAR(201) NOT NULL,
    -- Total order of storage: the keyset for pagination and for read markers.
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);

-- "The newest N messages of a conversation before a cursor" is a backward index scan of this.
CREATE INDEX chat_messages_conversation_seq ON chat_messages (conversation_id, seq);
CREATE INDEX chat_messages_sender_seq ON chat_messages (sender_id, seq);

CREATE TABLE message_status (
    id BIGSERIAL PRIMARY KEY,
    message_id VARCHAR(255) NOT NULL REFERENCES chat_messages (message_id) ON DELETE CASCADE,
    status VARCHAR(50) NOT NULL CHECK (status IN ('sent', 'received_by_server', 'delivered', 'read')),
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    user_id VARCHAR(100) NOT NULL,
    -- QoS 1 redelivers: one row per transition and user, however often it arrives.
    UNIQUE (message_id, status, user_id)
);

-- Everyone the ingester has seen: display name, presence and last seen.
CREATE TABLE chat_users (
    user_id VARCHAR(100) PRIMARY KEY,
    display_name VARCHAR(100) NOT NULL,
    presence VARCHAR(20) NOT NULL DEFAULT 'offline',
    status_message VARCHAR(200) NOT NULL DEFAULT '',
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- One row per participant and conversation, kept by the ingester in the message batch:
-- the conversation list and unread counts read this instead of scanning chat_messages.
CREATE TABLE conversation_members (
    user_id VARCHAR(100) NOT NULL,
    conversation_id VARCHAR(201) NOT NULL,
    peer_id VARCHAR(100) NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_message_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- Read marker: the highest seq this user has read in the conversation.
    last_read_seq BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, conversation_id)
);

CREATE INDEX conversation_members_recent ON conversation_members (user_id, last_message_at DESC);
