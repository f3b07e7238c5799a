-- What is kept, and for how long.

-- The marker a deleted goal leaves: the sweep_orphans job deletes what the
-- delete left behind (files uploaded through URLs issued before it), then
-- the marker.
CREATE TABLE deleted_goals (
    user_id    TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    goal_id    TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, goal_id)
);
CREATE INDEX deleted_goals_by_time ON deleted_goals (deleted_at);

-- When each notification expires; those stored before this migration
-- expire 90 days after they were created, the default retention.
ALTER TABLE notifications ADD COLUMN expires_at TEXT;
UPDATE notifications SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+90 days');
CREATE INDEX notifications_by_expiry ON notifications (expires_at);

CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Why each message's last delivery failed, for `cargo xtask dlq`.
ALTER TABLE queue ADD COLUMN last_consumer TEXT;
ALTER TABLE queue ADD COLUMN last_failure TEXT;
ALTER TABLE queue ADD COLUMN failed_at TEXT;
