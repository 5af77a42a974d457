-- Staged key rotation: a new key is published (JWKS) before it signs, so that verifiers with a
-- cached JWKS know it by the time tokens carry its kid. activates_at is when it starts
-- signing; the key it replaces is retired at that same moment.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz;
UPDATE signing_keys SET activates_at = created_at;
ALTER TABLE signing_keys ALTER COLUMN activates_at SET NOT NULL;
