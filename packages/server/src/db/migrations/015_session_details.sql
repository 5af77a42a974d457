-- What a user sees of their own sessions (GET /auth/sessions/): where and with what each was
-- opened, and roughly when it was last used. last_used_at is coarse on purpose: a refresh
-- writes it only when it is older than the interval (auth/sessions.ts), so that refreshing
-- stays one read; NULL (sessions opened before this migration, imported ones) reads as
-- created_at. Nothing here decides whether a token is accepted (auth/session-rule.ts does).
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
ALTER TABLE sessions ADD COLUMN client_address text;
ALTER TABLE sessions ADD COLUMN user_agent text;
