//! The inbox: unread notifications listed and some marked read during the
//! run; at the end, the whole inbox against the events the record implies
//! (one `goal.target_reached` per period reaching the target, one
//! `goal.completed` per completed goal, none twice).

use std::collections::BTreeMap;

use api_handler::domain::goal::Period;
use api_handler::domain::stats::period_bounds;
use chrono::{DateTime, NaiveDate, Utc};
use http::Method;
use serde_json::Value;

use super::client::Request;
use super::findings::Invariant;
use super::goals::goal_field;
use super::model::GoalModel;
use super::user::User;

impl User {
    /// The inbox: the unread notifications, every page, each about one of
    /// the user's goals; some are marked read (repeated until answered: it
    /// is idempotent).
    pub(super) async fn notifications(&mut self) {
        let route = "GET /notifications";
        let Some(items) = self
            .list_all(route, "/notifications", "&unread=true", "notificationId")
            .await
        else {
            return;
        };
        for item in &items {
            self.findings()
                .check(Invariant::Listings, item["readAt"].is_null(), || {
                    format!("an unread listing holds a read notification: {item}")
                });
        }
        self.explain_notifications(&items);
        let marks = self.rng.usize(0..=2).min(items.len());
        for item in items.iter().take(marks) {
            let Some(id) = item["notificationId"].as_str() else {
                continue;
            };
            let route = "POST /notifications/{notificationId}/read";
            let target = format!("/notifications/{id}/read");
            let Some(reply) = self
                .answered(|| Request::new(route, Method::POST, target.clone()))
                .await
            else {
                return;
            };
            if self.expect(&reply, &[204], route) {
                self.model.read.insert(id.to_owned());
            }
        }
    }

    /// Checks every goal notification is about one of the user's goals.
    pub(super) fn explain_notifications(&self, items: &[Value]) {
        for item in items {
            let kind = item["type"].as_str().unwrap_or_default();
            if kind == "reminder.daily" {
                continue;
            }
            let known = item["goalId"]
                .as_str()
                .is_some_and(|goal| self.model.goals.contains_key(goal));
            self.findings().check(Invariant::ConsumersOnce, known, || {
                format!(
                    "user {}: a notification about no goal of theirs: {item}",
                    self.model.index
                )
            });
        }
    }

    /// The whole inbox: per live goal, one `goal.target_reached` per period
    /// whose entries reach the target and one `goal.completed` if it is
    /// completed; no notification twice; at most one reminder a day; the
    /// ones marked read still read.
    pub(super) async fn verify_inbox(&mut self) {
        let Some(items) = self
            .list_all("GET /notifications", "/notifications", "", "notificationId")
            .await
        else {
            return;
        };
        self.explain_notifications(&items);
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut reminders: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for item in &items {
            let kind = item["type"].as_str().unwrap_or_default().to_owned();
            if kind == "reminder.daily" {
                let at = item["createdAt"]
                    .as_str()
                    .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                    .map(|at| at.with_timezone(&Utc));
                if let Some(at) = at {
                    *reminders.entry(self.local_day(at)).or_default() += 1;
                }
                continue;
            }
            let goal = item["goalId"].as_str().unwrap_or_default().to_owned();
            *counts.entry((kind, goal)).or_default() += 1;
        }
        for (day, count) in &reminders {
            self.findings().check(Invariant::ConsumersOnce, *count <= 1, || {
                format!("user {}: {count} daily reminders on {day}", self.model.index)
            });
        }
        let goals: Vec<GoalModel> = self.model.live_goals().cloned().collect();
        for goal in &goals {
            let reached = self.periods_reaching_target(goal);
            let got = counts
                .get(&("goal.target_reached".to_owned(), goal.id.clone()))
                .copied()
                .unwrap_or(0);
            self.findings().check(Invariant::ConsumersOnce, got == reached, || {
                format!(
                    "goal {} ({}, target {}): {reached} period(s) reach the target, {got} target-reached notification(s)",
                    goal.id,
                    goal_field(&goal.fields, "period"),
                    goal_field(&goal.fields, "target")
                )
            });
            let completed = u64::from(goal.status() == "completed");
            let got = counts
                .get(&("goal.completed".to_owned(), goal.id.clone()))
                .copied()
                .unwrap_or(0);
            self.findings().check(Invariant::ConsumersOnce, got == completed, || {
                format!(
                    "goal {} (status {}): {got} goal-completed notification(s), expected {completed}",
                    goal.id,
                    goal.status()
                )
            });
        }
        let read: BTreeMap<&str, &Value> = items
            .iter()
            .filter_map(|item| Some((item["notificationId"].as_str()?, item)))
            .collect();
        for id in &self.model.read {
            let still_read = read.get(id.as_str()).is_some_and(|item| !item["readAt"].is_null());
            self.findings().check(Invariant::Acknowledged, still_read, || {
                format!("notification {id}, marked read, reads {:?}", read.get(id.as_str()))
            });
        }
    }

    /// How many of the goal's periods its recorded entries bring to its
    /// target (its whole life for a `once` goal), days counted in the
    /// user's time zone.
    fn periods_reaching_target(&self, goal: &GoalModel) -> u64 {
        let target = goal_field(&goal.fields, "target")["value"]
            .as_f64()
            .unwrap_or(f64::INFINITY);
        let Ok(period) = serde_json::from_value::<Period>(goal_field(&goal.fields, "period").clone()) else {
            return 0;
        };
        let mut sums: BTreeMap<Option<NaiveDate>, f64> = BTreeMap::new();
        for entry in goal.entries.values() {
            let start = period_bounds(period, self.local_day(entry.at)).map(|(start, _)| start);
            *sums.entry(start).or_default() += entry.value;
        }
        sums.values().filter(|sum| **sum >= target).count() as u64
    }
}
