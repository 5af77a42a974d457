-- A leaked signing key is revoked: from revoked_at on, no instance signs or verifies with it and
-- the JWKS no longer publishes it (each instance at its next key reload). The row stays, for the
-- audit trail and so that `keys list` can say what happened to it.
ALTER TABLE signing_keys ADD COLUMN revoked_at timestamptz;
