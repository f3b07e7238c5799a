//! Goals: created (an unknown outcome resolved by listing for the goal's
//! marker), patched with and without `If-Match` (resolved by reading the
//! goal: as before or as patched, nothing in between), deleted (repeated
//! until answered), and read back against the record.

use std::collections::BTreeMap;

use http::Method;
use serde_json::{Map, Value, json};

use super::client::Request;
use super::exchange::Failure;
use super::findings::Invariant;
use super::model::{GoalModel, pick_fields, same_json};
use super::user::{Patch, User};

/// Goal categories.
const CATEGORIES: [&str; 8] = [
    "fitness",
    "nutrition",
    "sleep",
    "mindfulness",
    "learning",
    "finance",
    "social",
    "other",
];
/// Goal periods.
const PERIODS: [&str; 4] = ["daily", "weekly", "monthly", "once"];
/// A field of `fields`, `null` when absent.
pub(super) fn goal_field<'a>(fields: &'a Map<String, Value>, name: &str) -> &'a Value {
    fields.get(name).unwrap_or(&Value::Null)
}

impl User {
    /// `POST /goals`; an unknown outcome is resolved by listing the goals
    /// and looking for its marker (in the description, which no patch
    /// changes).
    pub(super) async fn create_goal(&mut self) {
        let marker = self.marker('g');
        let body = self.new_goal(&marker);
        let request = Request::new("POST /goals", Method::POST, "/goals").json(body.clone());
        match self.authed(request).await {
            Ok(reply) => {
                if !self.expect(&reply, &[201], "POST /goals") {
                    self.model.goals_not_made.insert(marker);
                    return;
                }
                let answer = reply.json();
                let etag_ok = reply.header("etag") == Some("\"1\"");
                match GoalModel::from_answer(&answer, &marker) {
                    Some(goal) => {
                        let location = format!("/goals/{}", goal.id);
                        let ok = etag_ok
                            && reply.header("location") == Some(location.as_str())
                            && self.made_as_asked(&answer, &body);
                        self.findings().check(Invariant::Acknowledged, ok, || {
                            format!(
                                "POST /goals answered {answer} (ETag {:?}, Location {:?}) for {body}",
                                reply.header("etag"),
                                reply.header("location")
                            )
                        });
                        self.model.goals.insert(goal.id.clone(), goal);
                    }
                    None => self.findings().broke(
                        Invariant::ExpectedStatus,
                        format!("POST /goals: a 201 without a goal: {answer}"),
                    ),
                }
            }
            Err(Failure::NotSent(_)) => {
                self.model.goals_not_made.insert(marker);
                self.pause().await;
            }
            Err(Failure::Unknown(_)) => self.resolve_creation(&marker, &body).await,
        }
    }

    /// A new goal's body, its description `marker`.
    fn new_goal(&mut self, marker: &str) -> Value {
        let mut body = json!({
            "title": format!("Goal {}", self.next),
            "description": marker,
            "category": self.rng.choice(CATEGORIES).unwrap_or("other"),
            "target": { "value": self.rng.u32(4..=40), "unit": "km" },
            "period": self.rng.choice(PERIODS).unwrap_or("weekly"),
        });
        if self.rng.bool() {
            body["dueDate"] = json!(format!("2027-{:02}-{:02}", self.rng.u32(1..=12), self.rng.u32(1..=28)));
        }
        body
    }

    /// Whether a goal as answered is the one `body` asked for: its fields,
    /// active, at version 1 with nothing logged.
    fn made_as_asked(&self, goal: &Value, body: &Value) -> bool {
        let fields = pick_fields(goal);
        let asked = ["title", "description", "category", "target", "period", "dueDate"]
            .iter()
            .all(|field| same_json(body.get(*field).unwrap_or(&Value::Null), goal_field(&fields, field)));
        asked && goal["status"] == "active" && goal["version"] == 1 && goal["progressTotal"].as_f64() == Some(0.0)
    }

    /// Finds out whether the creation marked `marker` was applied.
    async fn resolve_creation(&mut self, marker: &str, body: &Value) {
        let Some(goals) = self.list_all("GET /goals", "/goals", "", "goalId").await else {
            self.unresolved(&format!("the goal creation {marker}"));
            return;
        };
        let found: Vec<&Value> = goals.iter().filter(|goal| goal["description"] == marker).collect();
        match found.as_slice() {
            [] => {
                self.model.resolutions.count("goal creation", false);
                self.findings().held(Invariant::UnknownAllOrNothing, 1);
                self.model.goals_not_made.insert(marker.to_owned());
            }
            [goal, rest @ ..] => {
                let whole = rest.is_empty() && self.made_as_asked(goal, body);
                self.findings().check(Invariant::UnknownAllOrNothing, whole, || {
                    format!(
                        "the goal creation {marker} of unknown outcome made {} goal(s): {goal}",
                        found.len()
                    )
                });
                self.model.resolutions.count("goal creation", true);
                if let Some(model) = GoalModel::from_answer(goal, marker) {
                    self.model.goals.insert(model.id.clone(), model);
                }
            }
        }
    }

    /// `PATCH /goals/{goalId}` of a few fields (never the target or period,
    /// so that the expected notifications stay computable; a completed goal
    /// keeps its status). An unknown outcome is resolved by reading the
    /// goal: it is as before or as patched, nothing in between.
    pub(super) async fn patch_goal(&mut self, mode: Patch) {
        let Some(goal_id) = self.pick_goal() else {
            return;
        };
        let Some(before) = self.model.goals.get(&goal_id).cloned() else {
            return;
        };
        if mode == Patch::Stale && before.version < 2 && self.rng.bool() {
            return;
        }
        let patch = self.new_patch(&before);
        let mut after = before.clone();
        for (field, value) in &patch {
            after.fields.insert(field.clone(), value.clone());
        }
        after.version += 1;
        let mut request = Request::new("PATCH /goals/{goalId}", Method::PATCH, format!("/goals/{goal_id}"))
            .json(Value::Object(patch.clone()));
        match mode {
            Patch::Exact => request = request.header("if-match", format!("\"{}\"", before.version)),
            Patch::Blind if self.rng.bool() => request = request.header("if-match", "*"),
            Patch::Blind => {}
            Patch::Stale if before.version >= 2 => {
                request = request.header("if-match", format!("\"{}\"", before.version - 1));
            }
            Patch::Stale => request = request.header("if-match", format!("W/\"{}\"", before.version)),
        }
        let expected: &[u16] = if mode == Patch::Stale { &[412] } else { &[200] };
        match self.authed(request).await {
            Ok(reply) => {
                if !self.expect(&reply, expected, "PATCH /goals/{goalId}") || reply.status != 200 {
                    return;
                }
                let answer = reply.json();
                let differences = after.differences(&answer);
                let etag = format!("\"{}\"", after.version);
                let ok = differences.is_empty() && reply.header("etag") == Some(etag.as_str());
                self.findings().check(Invariant::Acknowledged, ok, || {
                    format!(
                        "PATCH /goals/{goal_id} with {patch:?} answered: {differences:?} (ETag {:?})",
                        reply.header("etag")
                    )
                });
                self.model.goals.insert(goal_id, after);
            }
            Err(Failure::NotSent(_)) => self.pause().await,
            Err(Failure::Unknown(_)) if mode == Patch::Stale => self.verify_goal(&goal_id).await,
            Err(Failure::Unknown(_)) => self.resolve_patch(before, after).await,
        }
    }

    /// A patch of one to three fields of `goal`.
    fn new_patch(&mut self, goal: &GoalModel) -> Map<String, Value> {
        let mut patch = Map::new();
        while patch.is_empty() {
            if self.rng.bool() {
                let revision = self.rng.u32(1..1000);
                patch.insert("title".to_owned(), json!(format!("Goal {} rev {revision}", self.next)));
            }
            if self.rng.u32(0..4) == 0 {
                patch.insert("category".to_owned(), json!(self.rng.choice(CATEGORIES)));
            }
            if self.rng.u32(0..4) == 0 {
                let due = format!("2027-{:02}-{:02}", self.rng.u32(1..=12), self.rng.u32(1..=28));
                patch.insert("dueDate".to_owned(), json!(due));
            }
            let status = match (goal.status(), self.rng.u32(0..20)) {
                ("active", 0 | 1) => Some("archived"),
                ("active", 2) => Some("completed"),
                ("archived", 0..=9) => Some("active"),
                _ => None,
            };
            if let Some(status) = status {
                patch.insert("status".to_owned(), json!(status));
            }
        }
        patch
    }

    /// Reads the goal after a patch of unknown outcome: as `before` or as
    /// `after`, and the record follows.
    async fn resolve_patch(&mut self, before: GoalModel, after: GoalModel) {
        let goal_id = before.id.clone();
        let Some(reply) = self
            .answered(|| Request::new("GET /goals/{goalId}", Method::GET, format!("/goals/{goal_id}")))
            .await
        else {
            self.unresolved(&format!("a patch of goal {goal_id}"));
            return;
        };
        if !self.expect(&reply, &[200], "GET /goals/{goalId}") {
            return;
        }
        let goal = reply.json();
        if after.differences(&goal).is_empty() {
            self.model.resolutions.count("goal patch", true);
            self.findings().held(Invariant::UnknownAllOrNothing, 1);
            self.model.goals.insert(goal_id, after);
        } else if before.differences(&goal).is_empty() {
            self.model.resolutions.count("goal patch", false);
            self.findings().held(Invariant::UnknownAllOrNothing, 1);
        } else {
            let example = format!(
                "goal {goal_id} after a patch of unknown outcome is neither as before ({:?}) nor as patched ({:?})",
                before.differences(&goal),
                after.differences(&goal)
            );
            self.findings().broke(Invariant::UnknownAllOrNothing, example);
            // Follow the server from here, so one break is counted once.
            let mut read = before;
            read.fields = pick_fields(&goal);
            read.version = goal["version"].as_u64().unwrap_or(read.version);
            self.model.goals.insert(goal_id, read);
        }
    }

    /// `DELETE /goals/{goalId}`, repeated until answered (a 404 after an
    /// unknown outcome means the first one was applied); then the goal
    /// must read as gone.
    pub(super) async fn delete_goal(&mut self) {
        let Some(goal_id) = self.pick_goal() else {
            return;
        };
        let request = Request::new("DELETE /goals/{goalId}", Method::DELETE, format!("/goals/{goal_id}"));
        let first = self.authed(request.clone()).await;
        let reply = match first {
            Ok(reply) => reply,
            Err(Failure::NotSent(_)) => {
                self.pause().await;
                return;
            }
            Err(Failure::Unknown(_)) => {
                let Some(reply) = self.answered(|| request.clone()).await else {
                    self.unresolved(&format!("the deletion of goal {goal_id}"));
                    return;
                };
                if reply.status == 404 || reply.status == 204 {
                    self.model.resolutions.count("goal deletion", reply.status == 404);
                    self.findings().held(Invariant::UnknownAllOrNothing, 1);
                    self.findings().held(Invariant::ExpectedStatus, 1);
                    self.goal_gone(&goal_id).await;
                } else {
                    self.expect(&reply, &[204, 404], "DELETE /goals/{goalId}");
                }
                return;
            }
        };
        if self.expect(&reply, &[204], "DELETE /goals/{goalId}") {
            self.goal_gone(&goal_id).await;
        }
    }

    /// Records goal `goal_id` deleted and checks it reads as gone.
    async fn goal_gone(&mut self, goal_id: &str) {
        if let Some(goal) = self.model.goals.get_mut(goal_id) {
            goal.deleted = true;
        }
        self.keyed.retain(|(goal, _, _)| goal != goal_id);
        self.verify_goal(goal_id).await;
    }

    /// `GET /goals/{goalId}`: as recorded (fields, version, total, ETag), or
    /// 404 once deleted.
    pub(super) async fn verify_goal(&mut self, goal_id: &str) {
        let Some(goal) = self.model.goals.get(goal_id).cloned() else {
            return;
        };
        let route = "GET /goals/{goalId}";
        let Some(reply) = self
            .answered(|| Request::new(route, Method::GET, format!("/goals/{goal_id}")))
            .await
        else {
            return;
        };
        if goal.deleted {
            self.findings().check(Invariant::Acknowledged, reply.status == 404, || {
                format!("goal {goal_id}, deleted, reads {}", reply.summary())
            });
            return;
        }
        if !self.expect(&reply, &[200], route) {
            return;
        }
        let mut differences = goal.differences(&reply.json());
        let etag = format!("\"{}\"", goal.version);
        if reply.header("etag") != Some(etag.as_str()) {
            differences.push(format!("ETag {:?}, expected {etag}", reply.header("etag")));
        }
        self.findings()
            .check(Invariant::Acknowledged, differences.is_empty(), || {
                format!("goal {goal_id} of user {}: {differences:?}", self.model.index)
            });
    }

    /// `GET /goals`, every page: exactly the live goals, each as recorded.
    pub(super) async fn verify_goal_listing(&mut self) {
        let Some(items) = self.list_all("GET /goals", "/goals", "", "goalId").await else {
            return;
        };
        let listed: BTreeMap<String, &Value> = items
            .iter()
            .filter_map(|item| Some((item["goalId"].as_str()?.to_owned(), item)))
            .collect();
        for goal in self.model.live_goals() {
            match listed.get(&goal.id) {
                None => self.findings().broke(
                    Invariant::Acknowledged,
                    format!("goal {} of user {} is not listed", goal.id, self.model.index),
                ),
                Some(item) => {
                    let differences = goal.differences(item);
                    self.findings()
                        .check(Invariant::Acknowledged, differences.is_empty(), || {
                            format!("goal {} as listed: {differences:?}", goal.id)
                        });
                }
            }
        }
        let absent = self
            .model
            .goals_not_made
            .iter()
            .filter(|marker| !items.iter().any(|item| item["description"] == marker.as_str()))
            .count();
        self.findings().held(Invariant::ErrorsNotApplied, absent as u64);
        for (id, item) in &listed {
            match self.model.goals.get(id) {
                Some(goal) if !goal.deleted => {}
                Some(_) => self
                    .findings()
                    .broke(Invariant::Acknowledged, format!("goal {id}, deleted, is still listed")),
                None => {
                    let marker = item["description"].as_str().unwrap_or_default();
                    let example = if self.model.goals_not_made.contains(marker) {
                        format!(
                            "goal {id} ({marker}) exists though its creation was answered with an error or not sent"
                        )
                    } else {
                        format!("goal {id} ({marker}) was never made by this user: {item}")
                    };
                    self.findings().broke(Invariant::ErrorsNotApplied, example);
                }
            }
        }
    }
}
