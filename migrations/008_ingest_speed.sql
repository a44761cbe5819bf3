-- 008 ingest speed: a message's `sent`/`received_by_server` come from its chat_messages row (sent_at, created_at); message_status is a view with the same columns (issue 12).
-- Up Migration

-- Why: two status rows per message (plus their foreign-key probes and four-column unique index)
-- were 37% of the ingester's batch in PostgreSQL, and both are facts of the message itself: the
-- sender's clock and the server's commit time. The ingester now stores the sender's time on the
-- message (sent_at) and writes only receipts (delivered/read) as rows. message_status keeps its
-- name, columns, types and meaning as a view, so the source system's queries run unchanged:
--   * the stored rows (message_receipts: the former table with its ids, constraints, trigger and
--     row-level security policy, renamed), and
--   * for every message with a sent_at, `sent` at sent_at and `received_by_server` at created_at,
--     both about (user_id =) the sender, with ids -2·seq−1 and −2·seq (negative: never a stored
--     row's; in flow order within a message).
-- Rows stored before this migration (sent_at NULL) keep their stored status rows.

ALTER TABLE chat_messages ADD COLUMN sent_at TIMESTAMPTZ;

ALTER TABLE message_status RENAME TO message_receipts;

-- security_invoker (PostgreSQL 15+): the view is read with the querying role's rights, so a
-- hermes_member sees the stored rows message_receipts' policy (migration 005) shows it and the
-- derived rows of the messages chat_messages' policy shows it — its own messages included.
CREATE VIEW message_status WITH (security_invoker = true) AS
SELECT r.id, r.message_id, r.status, r.timestamp, r.user_id, r.sender_id
FROM message_receipts r
UNION ALL
SELECT -2 * m.seq - 1, m.message_id, 'sent'::varchar(50), m.sent_at, m.sender_id, m.sender_id
FROM chat_messages m WHERE m.sent_at IS NOT NULL
UNION ALL
SELECT -2 * m.seq, m.message_id, 'received_by_server'::varchar(50), m.created_at, m.sender_id, m.sender_id
FROM chat_messages m WHERE m.sent_at IS NOT NULL;

-- Writers of the former table (the source system, tools) keep working: an INSERT, UPDATE or
-- DELETE on the view goes to message_receipts with the table's defaults, constraints and
-- sender_id filling trigger (migration 003). Derived rows (negative ids) cannot be changed.
-- ON CONFLICT with a conflict target needs the table itself: message_receipts.
ALTER VIEW message_status ALTER COLUMN id SET DEFAULT nextval('message_status_id_seq'::regclass);
ALTER VIEW message_status ALTER COLUMN timestamp SET DEFAULT now();

CREATE FUNCTION message_status_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO message_receipts (id, message_id, status, timestamp, user_id, sender_id)
        VALUES (NEW.id, NEW.message_id, NEW.status, NEW.timestamp, NEW.user_id, NEW.sender_id)
        RETURNING id, message_id, status, timestamp, user_id, sender_id INTO NEW;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE message_receipts SET id = NEW.id, message_id = NEW.message_id, status = NEW.status,
            timestamp = NEW.timestamp, user_id = NEW.user_id, sender_id = NEW.sender_id
        WHERE id = OLD.id;
        RETURN CASE WHEN FOUND THEN NEW END;
    ELSE
        DELETE FROM message_receipts WHERE id = OLD.id;
        RETURN CASE WHEN FOUND THEN OLD END;
    END IF;
END $$;
CREATE TRIGGER message_status_write INSTEAD OF INSERT OR UPDATE OR DELETE ON message_status
    FOR EACH ROW EXECUTE FUNCTION message_status_write();

GRANT SELECT ON message_status TO hermes_member;

-- The delay statistics (migration 007) read every transition: rebuilt on the view, so the
-- derived received_by_server times count as before. Same definition and unique index.
DROP MATERIALIZED VIEW chat_stats_delays;
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
