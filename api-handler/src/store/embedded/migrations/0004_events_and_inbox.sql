-- The local queue: what the publisher sends and the local server's consumer
-- loop receives (SQS plays this part in AWS). `seq` orders each group's
-- messages; a message received and not acknowledged comes back once
-- `visible_at` passes, and is set aside (`dead_at`) after five receives.
CREATE TABLE queue (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    body          TEXT NOT NULL,
    sent_at       TEXT NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    visible_at    TEXT NOT NULL,
    dead_at       TEXT
);
CREATE INDEX queue_live ON queue (group_id, seq) WHERE dead_at IS NULL;

-- Each user's notifications, newest first by id.
CREATE TABLE notifications (
    user_id         TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    notification_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    goal_id         TEXT,
    created_at      TEXT NOT NULL,
    read_at         TEXT,
    PRIMARY KEY (user_id, notification_id)
);
CREATE INDEX notifications_unread ON notifications (user_id, notification_id) WHERE read_at IS NULL;

-- The daily reminder reads every user's active daily goals.
CREATE INDEX goals_active_daily ON goals (user_id, goal_id) WHERE status = 'active' AND period = 'daily';
