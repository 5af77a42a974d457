-- Since staged rotation (003), the one key with no retirement time is the newest one: the next
-- key while a rotation is staged, else the current one. The index guards that, and is named
-- for what it guards (an applied migration is never edited, so 001's name is changed here).
ALTER INDEX signing_keys_one_current RENAME TO signing_keys_one_unretired;
COMMENT ON INDEX signing_keys_one_unretired IS
  'At most one signing key without retired_at: the newest (next during a staged rotation, else current).';
COMMENT ON COLUMN signing_keys.retired_at IS
  'When the key stops signing; may be in the future (the moment its staged successor activates).';
