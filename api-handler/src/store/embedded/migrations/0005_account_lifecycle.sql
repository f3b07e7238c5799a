-- Revoked tokens and deleted accounts. Kept apart from `users`, whose row a
-- deletion removes: a deleted account's tombstone outlives it, so its old
-- tokens are refused and no late write recreates its data.
CREATE TABLE revocations (
    user_id           TEXT PRIMARY KEY,
    tokens_valid_from TEXT,
    deleted_at        TEXT
);

-- One pending password reset per account: the code's argon2 hash, its
-- expiry and the wrong tries so far.
CREATE TABLE password_resets (
    user_id    TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0
);

-- Each user's current data export; its document is a blob
-- (`blobs/<user>/exports/<export>`).
CREATE TABLE exports (
    user_id      TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    export_id    TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    ready_at     TEXT
);
