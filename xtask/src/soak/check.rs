//! The final check of one user, once the faults have stopped and the queue
//! has drained: everything the record holds, read back once.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::findings::Invariant;
use super::user::User;

/// How long one user's final check may keep asking an unreachable server.
const CHECKING: Duration = Duration::from_secs(60);

impl User {
    /// Everything, once: the profile, the goal listing, each goal (deleted
    /// ones 404), its entries and attachments, the statistics over every
    /// day with entries, the inbox against the events the record implies,
    /// and the export if one was asked for.
    pub(super) async fn final_check(mut self) -> User {
        if self.model.user_id.is_empty() {
            return self;
        }
        self.give_up_at = Instant::now() + CHECKING;
        self.gave_up = 0;
        self.verify_profile().await;
        self.verify_goal_listing().await;
        let ids: Vec<String> = self.model.goals.keys().cloned().collect();
        for id in &ids {
            self.verify_goal(id).await;
            self.verify_entries(id).await;
            if self.model.goals.get(id).is_some_and(|goal| !goal.deleted) {
                self.verify_attachments(id).await;
            }
        }
        let today = self.local_day(Utc::now());
        let days = self
            .model
            .live_goals()
            .flat_map(|goal| goal.entries.values())
            .map(|entry| self.local_day(entry.at));
        let (first, _) = super::model::day_span(days).unwrap_or((today, today));
        self.verify_stats(Some((first.min(today), today))).await;
        self.verify_inbox().await;
        if self.model.export_requested {
            self.verify_export().await;
        }
        self.verify_departed().await;
        let gave_up = self.gave_up;
        if gave_up > 0 {
            self.findings().broke(
                Invariant::Acknowledged,
                format!(
                    "user {}: {gave_up} read(s) of the final check never got an answer",
                    self.model.index
                ),
            );
        }
        self
    }
}
