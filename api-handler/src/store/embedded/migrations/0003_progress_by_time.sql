-- Progress entries list newest first by when they happened (`at`), ties by id:
-- the order of the aws backend, whose sort key is the entry's time.
CREATE INDEX progress_by_goal_and_time ON progress (goal_id, at, entry_id);
