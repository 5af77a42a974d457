-- The session cache (auth/session-cache.ts): each serving process keeps the state of the
-- sessions it has just checked, and forgets an entry when the NOTIFY below names it. Every
-- change that a token check reads is announced here, at commit, by triggers rather than by the
-- use cases, so that no way of changing a session (logout, logout/all, disable, password
-- change, rotation, reuse detection, the CLI, an import, and any added later) can forget to.
-- The payload names what changed: session ids, or `user:<id>` for a user, comma-separated; `*`
-- (forget everything) when the list would not fit in a notification (8000 bytes).
-- Deleted sessions are announced while they could still be presented (not yet expired): the
-- purge, which deletes only expired ones, announces nothing; a hand-written DELETE (or a user
-- deleted with its sessions) is heard. TRUNCATE announces everything.
-- Not announced: last_used_at (no check reads it) and successor_token (only the rotation path
-- reads it, under a row lock). Triggers do not fire under session_replication_role = replica
-- (pg_restore --disable-triggers): restart the service after such a restore (docs/scaling.md).
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

CREATE FUNCTION sessions_announce_deletions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_session_changes((SELECT string_agg(o.id::text, ',') FROM old_rows o WHERE o.expires_at > now()));
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_announce_deletions AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sessions_announce_deletions();

CREATE FUNCTION users_announce_deletions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_session_changes((SELECT string_agg('user:' || o.id, ',') FROM old_rows o));
  RETURN NULL;
END
$$;

CREATE TRIGGER users_announce_deletions AFTER DELETE ON users
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION users_announce_deletions();

CREATE FUNCTION announce_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_session_changes', '*');
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_announce_truncate AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION announce_everything();
CREATE TRIGGER users_announce_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION announce_everything();
