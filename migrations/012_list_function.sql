-- 012 list function: the conversation list runs as one SECURITY DEFINER function, so a member role's page pays one membership check instead of row-level security's hash fills (issue 12).
-- Up Migration

-- Why: as a member role (migration 005) a list page paid for every protected table it touched:
-- each policy instance filled the hash of the role's ~1,000 memberships again (six fills a page),
-- plus a left_at test per message row, and planning the policies; a page of 50 cost a member
-- ~1.7× the owner's server CPU (bench/history.ts: 7.2 against 4.2 ms at 1,000 conversations).
-- hermes_conversation_page runs the list statement of src/store/history-people.ts
-- (CONVERSATIONS_QUERY: the body below is that text, src/store/list-function.test.ts compares
-- them; change both together, in a new migration) with the table owner's rights: SECURITY
-- DEFINER, owned by the owner, to whom RLS does not apply. Measured on the same seed, same run,
-- interleaved: server CPU per first page of 50, member 6.9 → 3.4 ms, owner 4.1 → 3.5 ms (plpgsql
-- keeps the statement's plan for the session: no planning per page; a LANGUAGE sql function was
-- planned each call, 5.0 and 4.8 ms).
-- Privacy, as the policies gave it: the statement's `me` is `$1` only when the calling role is
-- that account (enabled, as hermes_my_conversations requires) or may read every row anyway
-- (member of the tables' owner, a superuser); otherwise there are no rows. It lists current
-- memberships and `all`, all of whose rows the policies show a member. Who called: inside the
-- function current_user is the owner, so the statement reads the `role` setting when a SET ROLE
-- is in force (the embedded hub, src/hub/session-roles.ts) and session_user otherwise (a login as
-- the account's role, src/store/accounts.ts); SET ROLE / set_config('role') accept only roles the
-- session user belongs to. search_path is pinned (pg_temp last); EXECUTE is the owner's and
-- hermes_member's only.
-- Parameters, as the statement's: $1 user id, $2 limit, $3/$4 the previous page's last key (µs
-- text or null, id; $4 null: a first page), $5 the walk's top key (µs text or null), $6
-- conversation ids (null: every one).
CREATE FUNCTION hermes_conversation_page(text, integer, text, text, text, text[])
RETURNS TABLE (conversation_id text, kind text, topic text, role text, is_muted boolean, peer_id text, title text,
    member_count integer, unread integer, last_message_id text, last_sender_id text, last_sender_name text, last_content text,
    last_created_at timestamptz, last_message_type text, last_status text, last_activity_at timestamptz, moved boolean, key_us text)
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE ROWS 50 AS $function$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH caller AS (
	SELECT CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END AS caller
), me AS (
	SELECT $1::varchar AS user_id
	WHERE $1 = (SELECT r.caller FROM caller r)
		AND EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = $1 AND a.disabled_at IS NULL)
	OR pg_has_role((SELECT r.caller FROM caller r)::name, (SELECT t.relowner FROM pg_class t WHERE t.oid = 'conversations'::regclass), 'USAGE')
), my_rows AS (
	SELECT conversation_id, last_read_seq, role, is_muted
	FROM conversation_members WHERE user_id = (SELECT me.user_id FROM me) AND (left_at IS NULL OR conversation_id = 'all')
), mine AS (
	SELECT * FROM my_rows
	UNION ALL
	SELECT 'all', 0, 'member', false
	FROM me WHERE NOT EXISTS (SELECT 1 FROM my_rows WHERE conversation_id = 'all')
), ordered AS (
	SELECT c.id, c.kind, c.title, c.topic, c.last_message_at, c.last_seq, mine.last_read_seq, mine.role, mine.is_muted,
		coalesce($4::text IS NOT NULL AND c.last_message_at > (timestamptz 'epoch' + $5::bigint * interval '1 microsecond'), false) AS moved
	FROM mine JOIN conversations c ON c.id = mine.conversation_id
	WHERE ($4::text IS NULL OR (CASE WHEN $3::bigint IS NULL THEN c.last_message_at IS NULL AND c.id > $4
		ELSE c.last_message_at < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond') OR (c.last_message_at = (timestamptz 'epoch' + $3::bigint * interval '1 microsecond') AND c.id > $4) OR c.last_message_at IS NULL END) OR c.last_message_at > (timestamptz 'epoch' + $5::bigint * interval '1 microsecond'))
		AND ($6::text[] IS NULL OR c.id = ANY($6::text[]))
	ORDER BY c.last_message_at DESC NULLS LAST, c.id
	LIMIT $2
), shown AS (
	SELECT o.id, o.kind, o.title, o.topic, o.last_seq, o.last_read_seq, o.role, o.is_muted, o.moved, o.last_message_at,
		last.message_id, last.sender_id, last.sender_name, last.content, last.created_at, last.message_type, last.sent_at,
		GREATEST(last.created_at, o.last_message_at) AS last_activity_at
	FROM ordered o
	LEFT JOIN LATERAL (
		SELECT m.message_id, m.sender_id, m.sender_name, m.content, m.created_at, m.message_type, m.sent_at
		FROM chat_messages m
		WHERE m.conversation_id >= o.id AND m.conversation_id <= o.id
		ORDER BY m.conversation_id DESC, m.seq DESC LIMIT 1
	) AS last ON true
), m AS (
	SELECT o.*, o.id AS conversation_id,
		CASE WHEN o.kind <> 'direct' THEN NULL
			WHEN split_part(o.id, ':', 1) = $1 THEN split_part(o.id, ':', 2)
			ELSE split_part(o.id, ':', 1) END AS peer_id
	FROM shown o
)
SELECT m.id::text AS conversation_id, m.kind::text, m.topic::text, m.role::text, m.is_muted, m.peer_id,
	CASE WHEN m.kind = 'broadcast' THEN 'everyone'
		WHEN m.kind = 'direct' THEN coalesce((SELECT u.display_name FROM chat_users u WHERE u.user_id = m.peer_id), m.peer_id)
		ELSE m.title END::text AS title,
	CASE WHEN m.kind = 'group' THEN (SELECT count(*) FROM conversation_members x
			WHERE x.conversation_id = m.id AND x.left_at IS NULL)
		WHEN m.kind = 'direct' THEN 2 ELSE 0 END::int AS member_count,
	CASE WHEN m.last_read_seq >= m.last_seq THEN 0 ELSE (SELECT count(*) FROM (
		SELECT 1 FROM chat_messages x
		WHERE x.conversation_id >= m.id AND x.conversation_id <= m.id
			AND x.seq > m.last_read_seq AND x.seq <= m.last_seq AND x.sender_id <> $1
		ORDER BY x.conversation_id, x.seq
		LIMIT 1000) AS unread_rows) END::int AS unread,
	m.message_id::text AS last_message_id, m.sender_id::text AS last_sender_id,
	coalesce((SELECT lu.display_name FROM chat_users lu WHERE lu.user_id = m.sender_id), m.sender_name)::text AS last_sender_name,
	m.content::text AS last_content, m.created_at AS last_created_at, m.message_type::text AS last_message_type,
	(CASE WHEN m.sender_id = $1 THEN coalesce(CASE WHEN m.conversation_id <> 'all' THEN (SELECT CASE WHEN count(*) = 0 THEN NULL
			WHEN bool_and(r.receipt = 2) THEN 'read'
			WHEN bool_and(r.receipt >= 1) THEN 'delivered' END
		FROM (SELECT coalesce((SELECT max(CASE WHEN s.status = 'read' THEN 2 ELSE 1 END) FROM message_receipts s
			WHERE s.message_id = m.message_id AND s.sender_id = m.sender_id AND s.user_id = cm.user_id AND s.status IN ('delivered', 'read')), 0) AS receipt
			FROM conversation_members cm
			WHERE cm.conversation_id = m.conversation_id AND cm.left_at IS NULL
				AND cm.user_id <> m.sender_id AND cm.joined_at <= m.created_at
			-- OFFSET 0 keeps the planner from pulling the subquery up, which copied the probe
			-- into each bool_and and ran it twice per member.
			OFFSET 0) AS r) END, CASE WHEN m.sent_at IS NOT NULL AND m.conversation_id <> 'all' THEN 'received_by_server'
	ELSE (SELECT own.status FROM (
			SELECT s.status FROM message_receipts s
			WHERE s.message_id = m.message_id AND s.sender_id = m.sender_id
				AND (m.conversation_id = 'all' OR s.status IN ('sent', 'received_by_server'))
			UNION ALL SELECT 'received_by_server' WHERE m.sent_at IS NOT NULL) AS own
		ORDER BY array_position(ARRAY['sent','received_by_server','delivered','read']::text[], own.status::text) DESC LIMIT 1) END) END)::text AS last_status,
	m.last_activity_at, m.moved,
	(extract(epoch FROM m.last_message_at) * 1000000)::bigint::text AS key_us
FROM m
ORDER BY m.last_message_at DESC NULLS LAST, m.id
;
END
$function$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION hermes_conversation_page(text, integer, text, text, text, text[]) SET search_path = %I, pg_temp', current_schema());
END $$;
REVOKE ALL ON FUNCTION hermes_conversation_page(text, integer, text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hermes_conversation_page(text, integer, text, text, text, text[]) TO hermes_member;
