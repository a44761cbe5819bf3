-- 003 sender-scoped message ids: a message is (sender_id, message_id), so nobody can squat another sender's id.
-- Up Migration

-- Why: message_id was unique across everybody, so a recipient who published its own message
-- under the id of one of alice's unconfirmed messages made the ingester drop alice's copy as a
-- "duplicate" (and confirm it to her). The idempotency key is now scoped to its sender; the
-- Hermes columns keep their names and meaning, and lookups by message_id alone stay index scans
-- (message_id leads both new keys).

-- message_status rows name the message they are about by (message_id, sender_id) from now on.
ALTER TABLE message_status ADD COLUMN sender_id VARCHAR(100);
UPDATE message_status s SET sender_id = m.sender_id FROM chat_messages m WHERE m.message_id = s.message_id;
ALTER TABLE message_status ALTER COLUMN sender_id SET NOT NULL;

ALTER TABLE message_status DROP CONSTRAINT message_status_message_id_fkey;
ALTER TABLE message_status DROP CONSTRAINT message_status_message_id_status_user_id_key;
ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_message_id_key;

ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_message_id_sender_key UNIQUE (message_id, sender_id);
ALTER TABLE message_status ADD CONSTRAINT message_status_message_fkey
    FOREIGN KEY (message_id, sender_id) REFERENCES chat_messages (message_id, sender_id) ON DELETE CASCADE;
-- QoS 1 redelivers: still one row per transition and user, now per sender's message.
ALTER TABLE message_status ADD CONSTRAINT message_status_message_status_user_key
    UNIQUE (message_id, status, user_id, sender_id);

-- A writer that predates this column (the Hermes source system inserts message_id, status,
-- user_id) still works: the message's sender is filled in from chat_messages (the first stored
-- message with that id, should two senders share it).
CREATE FUNCTION message_status_fill_sender() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sender_id IS NULL THEN
        SELECT m.sender_id INTO NEW.sender_id FROM chat_messages m
        WHERE m.message_id = NEW.message_id ORDER BY m.seq LIMIT 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER message_status_fill_sender BEFORE INSERT ON message_status
    FOR EACH ROW EXECUTE FUNCTION message_status_fill_sender();
