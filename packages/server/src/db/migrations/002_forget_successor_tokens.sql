-- With rotation on, a session keeps the refresh token it handed out last (successor_token) so
-- that a client retrying within ROTATION_GRACE_PERIOD gets the same answer. Past the grace
-- period it is of no use and is a live credential at rest: the purge clears it. This index
-- keeps that sweep to the few rows that hold one.
CREATE INDEX sessions_successor_rotated_at_idx ON sessions (rotated_at) WHERE successor_token IS NOT NULL;
