-- Rollback to the SimpleJWT service (docs/migrating-from-simplejwt.md#rollback): carries the
-- sessions revoked here (logouts, disables, password changes) back to its blacklist, so that
-- their refresh tokens stay refused there. Run with psql on the Django database, the rows on
-- standard input as `COPY … TO STDOUT` of auth-service's sessions writes them:
--   jti (32 hex) | user_id | created_at | expires_at | revoked_at
-- Idempotent: a jti already outstanding or blacklisted there is left as it is.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE revoked_here (jti text, user_id integer, created_at timestamptz, expires_at timestamptz, revoked_at timestamptz);
\copy revoked_here FROM pstdin
INSERT INTO token_blacklist_outstandingtoken (jti, token, created_at, expires_at, user_id)
  SELECT r.jti, '', r.created_at, r.expires_at, u.id FROM revoked_here r LEFT JOIN auth_user u ON u.id = r.user_id
  ON CONFLICT (jti) DO NOTHING;
INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
  SELECT o.id, r.revoked_at FROM revoked_here r JOIN token_blacklist_outstandingtoken o ON o.jti = r.jti
  ON CONFLICT (token_id) DO NOTHING;
COMMIT;
