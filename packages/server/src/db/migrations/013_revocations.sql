-- The revocation feed (GET /auth/revocations/): one row per session that stopped being live,
-- written by a trigger on sessions, so that every way a session ends (logout, logout/all,
-- disable, password change, reuse detection, and any added later) is in it without a use case
-- having to remember. `id` is the feed's cursor. A row matters while an access token minted
-- before the revocation can still be valid (revoked_at + ACCESS_TOKEN_LIFETIME + TOKEN_LEEWAY);
-- the purge deletes it after that.
CREATE TABLE revocations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id uuid NOT NULL,
  revoked_at timestamptz NOT NULL
);
CREATE INDEX revocations_revoked_at_idx ON revocations (revoked_at);

-- A cursor is only safe if ids become visible in id order: a reader that has seen id 7 must
-- never later find a 6 that committed after it. Identity values are handed out before commit,
-- so two concurrent revocations could commit out of order; the transaction-scoped advisory
-- lock makes revoking transactions take their ids one after the other, each holding it until
-- it commits. It is taken once per statement, after the statement holds its row locks, so a
-- transaction holding it never waits for a row lock that another revoker holds (no deadlock,
-- as long as a transaction revokes in one statement, as every use case does).
-- The NOTIFY (delivered at commit) wakes every instance's feed at once; they also poll.
CREATE FUNCTION sessions_record_revocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.revoked_at IS NULL AND n.revoked_at IS NOT NULL
  ) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(7305418462790001);
  INSERT INTO revocations (session_id, revoked_at)
    SELECT n.id, n.revoked_at FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.revoked_at IS NULL AND n.revoked_at IS NOT NULL
    ORDER BY n.id;
  PERFORM pg_notify('auth_revocations', '');
  RETURN NULL;
END
$$;

-- Statement-level with transition tables: one lock and one notification per revoking statement
-- (logout/all revokes many sessions in one), and only rows that went from live to revoked count.
CREATE TRIGGER sessions_record_revocations AFTER UPDATE ON sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sessions_record_revocations();

-- Sessions revoked before this migration still matter for a while: the feed starts with them.
INSERT INTO revocations (session_id, revoked_at)
  SELECT id, revoked_at FROM sessions WHERE revoked_at > now() - interval '1 day' ORDER BY revoked_at;
