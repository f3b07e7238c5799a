-- Profiles leave the users table: accounts (credentials) and profiles are
-- separate ports, so registration can create one, then the other.
CREATE TABLE profiles (
    user_id      TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    display_name TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
INSERT INTO profiles (user_id, email, display_name, timezone, created_at, updated_at)
    SELECT user_id, email, display_name, timezone, created_at, updated_at FROM users;
ALTER TABLE users DROP COLUMN display_name;
ALTER TABLE users DROP COLUMN timezone;
ALTER TABLE users DROP COLUMN updated_at;

-- The relay reads undelivered events oldest first.
CREATE INDEX outbox_pending ON outbox (published_at, event_id);
