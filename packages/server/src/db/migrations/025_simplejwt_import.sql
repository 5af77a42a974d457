-- Users and sessions imported from a Django + SimpleJWT service (`auth-service import django`).
--
-- imported_password_hash: the hash as the last import wrote it. A re-import replaces
-- password_hash only while it still equals this one; once they differ, the hash changed here
-- (an argon2id rehash at login, or set-password) and ours wins.
ALTER TABLE users ADD COLUMN imported_password_hash text;

-- imported_from: NULL for a session opened here; 'simplejwt' for one imported from an
-- outstanding refresh token of the old service (its id derived from the token's jti, its
-- refresh_jti that jti, revoked when the token was blacklisted there).
ALTER TABLE sessions ADD COLUMN imported_from text;
-- "When can SIMPLEJWT_SIGNING_KEY go?": the last live imported session.
CREATE INDEX sessions_imported_live_idx ON sessions (expires_at) WHERE imported_from IS NOT NULL AND revoked_at IS NULL;

-- What decides the cost of checking a stored hash (algorithm and parameters, never the salt),
-- for the failure floor (crypto/failure-floor.ts): one sample of each class of Django hash.
CREATE FUNCTION password_hash_class(h text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE split_part(h, '$', 1)
    WHEN 'pbkdf2_sha256' THEN array_to_string((string_to_array(h, '$'))[1:2], '$')
    WHEN 'pbkdf2_sha1' THEN array_to_string((string_to_array(h, '$'))[1:2], '$')
    WHEN 'bcrypt' THEN split_part(h, '$', 1) || '$' || split_part(h, '$', 4)
    WHEN 'bcrypt_sha256' THEN split_part(h, '$', 1) || '$' || split_part(h, '$', 4)
    WHEN 'argon2' THEN array_to_string((string_to_array(h, '$'))[1:4], '$')
    WHEN '' THEN array_to_string((string_to_array(h, '$'))[1:4], '$')
    WHEN 'scrypt' THEN concat_ws('$', split_part(h, '$', 1), split_part(h, '$', 2), split_part(h, '$', 4), split_part(h, '$', 5))
    ELSE split_part(h, '$', 1)
  END
$$;
-- Only hashes other than our current argon2id (crypto/argon2.ts): the index shrinks as
-- imported users log in and are rehashed.
CREATE INDEX users_legacy_hash_class_idx ON users (password_hash_class(password_hash))
  WHERE password_hash NOT LIKE '$argon2id$v=19$m=19456,t=2,p=1$%' AND password_hash NOT LIKE '!%';
