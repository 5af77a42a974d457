-- The session cache (auth/session-cache.ts): each serving process keeps the state of the
-- sessions it has just checked, and forgets an entry when the NOTIFY below names it. Every
-- change that a token check reads is announced here, at commit, by triggers rather than by the
-- use cases, so that no way of changing a session (logout, logout/all, disable, password
-- change, rotation, reuse detection, the CLI, an import, and any added later) can forget to.
-- The payload names what changed: session ids, or `user:<id>` for a user, comma-separated; `*`
-- (forget everything) when the list would not fit in a notification (8000 bytes).
-- Not announced: last_used_at (no check reads it), successor_token (only the rotation path
-- reads it, under a row lock), and deletions (the purge deletes only expired sessions, whose
-- tokens no longer pass the exp check).
CREATE FUNCTION notify_session_changes(ids text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_notify('auth_session_changes', CASE WHEN length(ids) > 7900 THEN '*' ELSE ids END);
END
$$;

CREATE FUNCTION sessions_announce_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_session_changes((
    SELECT string_agg(n.id::text, ',') FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.revoked_at, o.refresh_jti, o.previous_jti, o.rotated_at, o.user_id)
      IS DISTINCT FROM (n.revoked_at, n.refresh_jti, n.previous_jti, n.rotated_at, n.user_id)));
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_announce_changes AFTER UPDATE ON sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sessions_announce_changes();

CREATE FUNCTION users_announce_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_session_changes((
    SELECT string_agg('user:' || n.id, ',') FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.is_active, o.username) IS DISTINCT FROM (n.is_active, n.username)));
  RETURN NULL;
END
$$;

CREATE TRIGGER users_announce_changes AFTER UPDATE ON users
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION users_announce_changes();
