-- Login turns (issue 14): the attempts in flight on an account or a client address, as
-- {lease id: expiry in ms since the epoch}. They live in the counter's own row so that one
-- INSERT … ON CONFLICT DO UPDATE reads and changes failures and turns together, atomically
-- across instances; an expiry, so that an instance that dies mid-login never leaves a lock.
ALTER TABLE login_throttle ADD COLUMN leases jsonb NOT NULL DEFAULT '{}'::jsonb;
