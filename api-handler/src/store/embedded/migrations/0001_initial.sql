-- Users, their credentials and profile (one row), and refresh tokens.
CREATE TABLE users (
    user_id       TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    confirmed     INTEGER NOT NULL,
    display_name  TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Refresh tokens are stored as SHA-256 hashes; a used token is kept (with
-- used_at) so that presenting it again revokes its whole family.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);

CREATE TABLE goals (
    goal_id        TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    description    TEXT,
    category       TEXT NOT NULL,
    target_value   REAL NOT NULL,
    target_unit    TEXT NOT NULL,
    period         TEXT NOT NULL,
    due_date       TEXT,
    status         TEXT NOT NULL,
    progress_total REAL NOT NULL DEFAULT 0,
    entries        INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL
);
CREATE INDEX goals_by_user ON goals (user_id, goal_id);

CREATE TABLE progress (
    entry_id   TEXT PRIMARY KEY,
    goal_id    TEXT NOT NULL REFERENCES goals (goal_id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    value      REAL NOT NULL,
    note       TEXT,
    at         TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX progress_by_goal ON progress (goal_id, entry_id);

-- Per goal and local day: what GET /stats reads.
CREATE TABLE daily_aggregates (
    goal_id TEXT NOT NULL REFERENCES goals (goal_id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    day     TEXT NOT NULL,
    value   REAL NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY (goal_id, day)
);
CREATE INDEX daily_aggregates_by_user ON daily_aggregates (user_id, day);

-- Periods in which a goal's target was reached (goal.target_reached once each).
CREATE TABLE targets_reached (
    goal_id      TEXT NOT NULL REFERENCES goals (goal_id) ON DELETE CASCADE,
    period_start TEXT NOT NULL,
    PRIMARY KEY (goal_id, period_start)
);

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE attachments (
    attachment_id TEXT PRIMARY KEY,
    goal_id       TEXT NOT NULL REFERENCES goals (goal_id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX attachments_by_goal ON attachments (goal_id, attachment_id);

-- Domain events, written in the transaction of the change that caused them.
CREATE TABLE outbox (
    event_id     TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    goal_id      TEXT,
    occurred_at  TEXT NOT NULL,
    payload      TEXT NOT NULL,
    published_at TEXT
);
