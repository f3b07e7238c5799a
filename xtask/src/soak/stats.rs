//! `GET /stats` against the record: each live goal's total and entries,
//! each day's, and the totals, from the recorded entries counted on the
//! user's days.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use http::Method;

use super::client::Request;
use super::findings::Invariant;
use super::model::GoalModel;
use super::user::User;

impl User {
    /// `GET /stats` (over `range`, or its default of the last 30 days):
    /// each live goal's total and entries, each day's, and the totals, from
    /// the recorded entries counted on the user's days.
    pub(super) async fn verify_stats(&mut self, range: Option<(NaiveDate, NaiveDate)>) {
        let today = self.local_day(Utc::now());
        let (from, to) = range.unwrap_or((today - chrono::Duration::days(29), today));
        let target = match range {
            Some((from, to)) => format!("/stats?from={from}&to={to}"),
            None => "/stats".to_owned(),
        };
        let route = "GET /stats";
        let Some(reply) = self.answered(|| Request::new(route, Method::GET, target.clone())).await else {
            return;
        };
        if !self.expect(&reply, &[200], route) || self.local_day(Utc::now()) != today {
            // The user's day turned during the request: the default range moved.
            return;
        }
        let stats = reply.json();
        let mut problems = Vec::new();
        let mut by_day: BTreeMap<NaiveDate, (f64, u64)> = BTreeMap::new();
        let mut expected_goals = BTreeMap::new();
        for goal in self.model.live_goals() {
            let (mut total, mut entries) = (0.0, 0u64);
            for entry in goal.entries.values() {
                let day = self.local_day(entry.at);
                if from <= day && day <= to {
                    total += entry.value;
                    entries += 1;
                    let slot = by_day.entry(day).or_default();
                    slot.0 += entry.value;
                    slot.1 += 1;
                }
            }
            expected_goals.insert(goal.id.clone(), (total, entries));
        }
        let answered_goals: BTreeMap<String, (Option<f64>, Option<u64>)> = stats["byGoal"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| {
                Some((
                    row["goalId"].as_str()?.to_owned(),
                    (row["total"].as_f64(), row["entries"].as_u64()),
                ))
            })
            .collect();
        for (goal, (total, entries)) in &expected_goals {
            match answered_goals.get(goal) {
                Some((Some(got_total), Some(got_entries))) if got_total == total && got_entries == entries => {}
                other => problems.push(format!(
                    "goal {goal}: entries sum to {total} in {entries} entries, stats say {other:?}"
                )),
            }
        }
        for goal in answered_goals.keys() {
            if !expected_goals.contains_key(goal) {
                problems.push(format!("goal {goal} is in byGoal but not a live goal"));
            }
        }
        let answered_days: BTreeMap<String, (Option<f64>, Option<u64>)> = stats["byDay"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| {
                Some((
                    row["date"].as_str()?.to_owned(),
                    (row["value"].as_f64(), row["entries"].as_u64()),
                ))
            })
            .collect();
        let expected_days: BTreeMap<String, (Option<f64>, Option<u64>)> = by_day
            .iter()
            .map(|(day, (value, entries))| (day.to_string(), (Some(*value), Some(*entries))))
            .collect();
        if answered_days != expected_days {
            problems.push(format!("byDay {answered_days:?}, the entries give {expected_days:?}"));
        }
        let live: Vec<&GoalModel> = self.model.live_goals().collect();
        let count = |status: &str| live.iter().filter(|goal| goal.status() == status).count() as u64;
        let expected_totals = [
            ("goals", live.len() as u64),
            ("activeGoals", count("active")),
            ("completedGoals", count("completed")),
            (
                "progressEntries",
                live.iter().map(|goal| goal.entries.len() as u64).sum(),
            ),
        ];
        for (name, expected) in expected_totals {
            if stats["totals"][name].as_u64() != Some(expected) {
                problems.push(format!(
                    "totals.{name} is {}, expected {expected}",
                    stats["totals"][name]
                ));
            }
        }
        self.findings().check(Invariant::Stats, problems.is_empty(), || {
            format!(
                "user {} ({}), {target}: {problems:?}",
                self.model.index, self.model.timezone
            )
        });
    }
}
