//! Progress: posts with and without an `Idempotency-Key`, bursts of them
//! at once, posts the contract refuses, a used key with another body; each
//! unknown outcome resolved (a keyed post sent again, an unkeyed one looked
//! for by its note); and a goal's entries read back against the record.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as Span, Utc};
use http::Method;
use serde_json::{Value, json};

use super::client::Request;
use super::exchange::{Cause, Failure, Reply, Sent};
use super::findings::Invariant;
use super::model::{EntryModel, GoalModel, PostOutcome, same_json};
use super::user::User;

/// The route of entries, as counted.
const PROGRESS_ROUTE: &str = "POST /goals/{goalId}/progress";

/// One progress post: its goal, note (marker), body and key.
#[derive(Debug, Clone)]
struct Post {
    goal: String,
    note: String,
    body: Value,
    key: Option<String>,
}

impl Post {
    /// The request, without its token.
    fn request(&self) -> Request {
        let mut request = Request::new(PROGRESS_ROUTE, Method::POST, format!("/goals/{}/progress", self.goal))
            .json(self.body.clone());
        if let Some(key) = &self.key {
            request = request.header("idempotency-key", key.clone());
        }
        request
    }
}

/// `at` as the server writes it back: RFC 3339 to the millisecond.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A timestamp field of an answer.
fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
}

impl User {
    /// A progress post on a live goal, with an `Idempotency-Key` or not.
    pub(super) async fn post_progress(&mut self, keyed: bool) {
        let Some(goal) = self.pick_goal() else {
            return;
        };
        let post = self.new_post(&goal, keyed);
        let sent = self.authed(post.request()).await;
        self.settle_post(post, sent).await;
    }

    /// Two to four keyed posts on one goal sent at once, each on its own
    /// connection; then each settled as a single post is.
    pub(super) async fn progress_burst(&mut self) {
        let Some(goal) = self.pick_goal() else {
            return;
        };
        let count = self.rng.usize(2..=4);
        let posts: Vec<Post> = (0..count).map(|_| self.new_post(&goal, true)).collect();
        let mut tasks = Vec::with_capacity(count);
        for post in &posts {
            let mut client = self.client.sibling();
            let request = post.request().token(&self.access);
            tasks.push(tokio::spawn(async move { client.send(&request).await }));
        }
        for (post, task) in posts.into_iter().zip(tasks) {
            // A task that panicked sent nothing the user knows of: unknown.
            let sent = task.await.unwrap_or(Err(Failure::Unknown(Cause::Dropped)));
            self.after_authed(PROGRESS_ROUTE, &sent);
            self.settle_post(post, sent).await;
        }
    }

    /// A new post on `goal`: a value in halves, now or up to 36 hours ago,
    /// its note a marker.
    fn new_post(&mut self, goal: &str, keyed: bool) -> Post {
        let note = self.marker('p');
        let mut body = json!({ "value": f64::from(self.rng.u32(1..=16)) * 0.5, "note": note });
        if self.rng.u32(0..10) < 3 {
            let back = Span::milliseconds(self.rng.i64(0..36 * 3_600_000));
            body["at"] = json!(timestamp(Utc::now() - back));
        }
        let key = keyed.then(|| format!("key-{note}"));
        Post {
            goal: goal.to_owned(),
            note,
            body,
            key,
        }
    }

    /// What came of a post: an acknowledged entry is recorded (and, now and
    /// then, the post is sent again on purpose: it must answer the same
    /// entry); an unknown outcome is resolved by sending it again with its
    /// key, or, without one, by listing the goal's entries for its note.
    async fn settle_post(&mut self, post: Post, sent: Sent) {
        match sent {
            Ok(reply) if reply.status == 201 => {
                self.findings().held(Invariant::ExpectedStatus, 1);
                let entry = reply.json();
                self.acknowledged_entry(&post, &reply);
                if post.key.is_some() && self.rng.u32(0..100) < 15 {
                    self.replay(&post, &entry).await;
                }
            }
            Ok(reply) if reply.status == 503 && post.key.is_some() => {
                // Counted as a 5xx, then retried with its key as a client would.
                self.expect(&reply, &[201], PROGRESS_ROUTE);
                self.retry_keyed(&post).await;
            }
            Ok(reply) => {
                self.expect(&reply, &[201], PROGRESS_ROUTE);
                self.record_post(&post, PostOutcome::NotApplied);
            }
            Err(Failure::NotSent(_)) => {
                self.record_post(&post, PostOutcome::NotApplied);
                self.pause().await;
            }
            Err(Failure::Unknown(_)) if post.key.is_some() => self.retry_keyed(&post).await,
            Err(Failure::Unknown(_)) => self.resolve_post(&post).await,
        }
    }

    /// Sends a keyed post again, with its key and body, until answered:
    /// whether the first one was applied or not, it must end with one entry.
    async fn retry_keyed(&mut self, post: &Post) {
        let Some(reply) = self.answered(|| post.request()).await else {
            self.unresolved(&format!("the keyed post {}", post.note));
            return;
        };
        self.model.retries.1 += 1;
        if self.expect(&reply, &[201], PROGRESS_ROUTE) {
            self.model.replayed.insert(post.note.clone());
            self.model.resolutions.count("keyed progress post, sent again", true);
            self.acknowledged_entry(post, &reply);
        } else {
            self.model.resolutions.count("keyed progress post, sent again", false);
            self.record_post(post, PostOutcome::NotApplied);
        }
    }

    /// Records what came of `post`.
    fn record_post(&mut self, post: &Post, outcome: PostOutcome) {
        self.model.posts.insert(post.note.clone(), (post.goal.clone(), outcome));
    }

    /// Records the entry a 201 answered for `post`, checking it is the one
    /// asked for.
    fn acknowledged_entry(&mut self, post: &Post, reply: &Reply) {
        let entry = reply.json();
        let Some(entry_id) = entry["entryId"].as_str().map(str::to_owned) else {
            self.findings().broke(
                Invariant::ExpectedStatus,
                format!("{PROGRESS_ROUTE}: a 201 without an entry: {entry}"),
            );
            return;
        };
        let at = parse_time(&entry["at"]);
        let asked_at = post.body.get("at").map(parse_time);
        let location = format!("/goals/{}/progress/{entry_id}", post.goal);
        let ok = entry["goalId"] == post.goal.as_str()
            && same_json(&entry["value"], &post.body["value"])
            && entry["note"] == post.note.as_str()
            && at.is_some()
            && asked_at.is_none_or(|asked| asked == at)
            && reply.header("location") == Some(location.as_str());
        self.findings().check(Invariant::Acknowledged, ok, || {
            format!(
                "{PROGRESS_ROUTE} of {} answered {entry} (Location {:?})",
                post.body,
                reply.header("location")
            )
        });
        let Some(at) = at else {
            return;
        };
        if let Some(goal) = self.model.goals.get_mut(&post.goal) {
            goal.version += 1;
            goal.entries.insert(
                entry_id.clone(),
                EntryModel {
                    value: post.body["value"].as_f64().unwrap_or_default(),
                    at,
                    note: post.note.clone(),
                },
            );
        }
        self.record_post(post, PostOutcome::Applied(entry_id.clone()));
        if let Some(key) = &post.key {
            self.keyed.push((post.goal.clone(), key.clone(), post.body.clone()));
            if self.keyed.len() > 20 {
                self.keyed.remove(0);
            }
        }
    }

    /// Sends an acknowledged keyed post again: it must answer the same entry
    /// and write nothing.
    async fn replay(&mut self, post: &Post, original: &Value) {
        let Some(reply) = self.answered(|| post.request()).await else {
            return;
        };
        self.model.retries.0 += 1;
        if !self.expect(&reply, &[201], PROGRESS_ROUTE) {
            self.findings().broke(
                Invariant::IdempotentReplay,
                format!("a retry of {} answered {}", post.note, reply.summary()),
            );
            return;
        }
        let again = reply.json();
        let same = ["entryId", "goalId", "value", "note", "at", "createdAt"]
            .iter()
            .all(|field| same_json(&again[*field], &original[*field]));
        self.findings().check(Invariant::IdempotentReplay, same, || {
            format!("the retry of {} answered {again}, the original {original}", post.note)
        });
    }

    /// Lists the goal's entries after an unkeyed post of unknown outcome: its
    /// note is there once, or not at all.
    async fn resolve_post(&mut self, post: &Post) {
        let route = "GET /goals/{goalId}/progress";
        let path = format!("/goals/{}/progress", post.goal);
        let Some(entries) = self.list_all(route, &path, "", "entryId").await else {
            self.unresolved(&format!("the post {}", post.note));
            return;
        };
        let found: Vec<&Value> = entries
            .iter()
            .filter(|entry| entry["note"] == post.note.as_str())
            .collect();
        match found.as_slice() {
            [] => {
                self.model.resolutions.count("progress post (no key)", false);
                self.findings().held(Invariant::UnknownAllOrNothing, 1);
                self.record_post(post, PostOutcome::NotApplied);
            }
            [entry, rest @ ..] => {
                self.model.resolutions.count("progress post (no key)", true);
                self.findings().check(
                    Invariant::UnknownAllOrNothing,
                    rest.is_empty() && same_json(&entry["value"], &post.body["value"]),
                    || format!("the post {} of unknown outcome made {found:?}", post.note),
                );
                let (Some(entry_id), Some(at)) = (entry["entryId"].as_str(), parse_time(&entry["at"])) else {
                    return;
                };
                if let Some(goal) = self.model.goals.get_mut(&post.goal) {
                    goal.version += 1;
                    goal.entries.insert(
                        entry_id.to_owned(),
                        EntryModel {
                            value: post.body["value"].as_f64().unwrap_or_default(),
                            at,
                            note: post.note.clone(),
                        },
                    );
                }
                self.record_post(post, PostOutcome::Applied(entry_id.to_owned()));
            }
        }
    }

    /// A post the contract refuses (a value of 0 or below, a time too far
    /// ahead, a note too long): a 422 that writes nothing.
    pub(super) async fn invalid_progress(&mut self) {
        let Some(goal) = self.pick_goal() else {
            return;
        };
        let keyed = self.rng.bool();
        let mut post = self.new_post(&goal, keyed);
        match self.rng.u32(0..4) {
            0 => post.body["value"] = json!(0),
            1 => post.body["value"] = json!(-3),
            2 => post.body["at"] = json!(timestamp(Utc::now() + Span::minutes(10))),
            _ => {
                post.note = format!("{}-{}", post.note, "x".repeat(500));
                post.body["note"] = json!(post.note);
            }
        }
        let sent = self.authed(post.request()).await;
        if let Ok(reply) = &sent {
            self.expect(reply, &[422], PROGRESS_ROUTE);
        }
        self.record_post(&post, PostOutcome::NotApplied);
    }

    /// A used `Idempotency-Key` with another body: a 409 that writes nothing.
    pub(super) async fn reused_key(&mut self) {
        let live: Vec<(String, String, Value)> = self
            .keyed
            .iter()
            .filter(|(goal, _, _)| self.model.goals.get(goal).is_some_and(|goal| !goal.deleted))
            .cloned()
            .collect();
        let Some((goal, key, body)) = self.rng.choice(live) else {
            return;
        };
        let note = self.marker('p');
        let mut other = body;
        other["note"] = json!(note);
        let post = Post {
            goal,
            note,
            body: other,
            key: Some(key),
        };
        let Some(reply) = self.answered(|| post.request()).await else {
            return;
        };
        self.expect(&reply, &[409], PROGRESS_ROUTE);
        self.record_post(&post, PostOutcome::NotApplied);
    }

    /// `GET /goals/{goalId}/progress`, every page: exactly the recorded
    /// entries, newest first; an entry no acknowledged post made is named
    /// by its note. A deleted goal's entries are 404.
    pub(super) async fn verify_entries(&mut self, goal_id: &str) {
        let Some(goal) = self.model.goals.get(goal_id).cloned() else {
            return;
        };
        let route = "GET /goals/{goalId}/progress";
        let path = format!("/goals/{goal_id}/progress");
        if goal.deleted {
            let Some(reply) = self.answered(|| Request::new(route, Method::GET, path.clone())).await else {
                return;
            };
            self.findings().check(Invariant::Acknowledged, reply.status == 404, || {
                format!("the entries of goal {goal_id}, deleted, read {}", reply.summary())
            });
            return;
        }
        let Some(items) = self.list_all(route, &path, "", "entryId").await else {
            return;
        };
        self.compare_entries(&goal, &items);
    }

    /// Compares a goal's listed entries with the record.
    fn compare_entries(&self, goal: &GoalModel, items: &[Value]) {
        let mut listed = BTreeMap::new();
        let mut notes: BTreeMap<&str, u64> = BTreeMap::new();
        let mut previous: Option<(DateTime<Utc>, String)> = None;
        for item in items {
            let id = item["entryId"].as_str().unwrap_or_default().to_owned();
            let at = item["at"]
                .as_str()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                .map(|at| at.with_timezone(&Utc));
            if let (Some(at), Some((before, before_id))) = (at, &previous) {
                let ordered = (at, id.as_str()) <= (*before, before_id.as_str());
                self.findings().check(Invariant::Listings, ordered, || {
                    format!("entries of goal {} not newest first: {before_id} then {id}", goal.id)
                });
            }
            previous = at.map(|at| (at, id.clone()));
            *notes.entry(item["note"].as_str().unwrap_or_default()).or_default() += 1;
            listed.insert(id, (item, at));
        }
        for (id, entry) in &goal.entries {
            match listed.get(id) {
                None => self.findings().broke(
                    Invariant::Acknowledged,
                    format!("entry {id} ({}) of goal {} is not listed", entry.note, goal.id),
                ),
                Some((item, at)) => {
                    let same = item["value"].as_f64() == Some(entry.value)
                        && *at == Some(entry.at)
                        && item["note"] == entry.note.as_str();
                    self.findings().check(Invariant::Acknowledged, same, || {
                        format!("entry {id} of goal {} reads {item}, acknowledged {entry:?}", goal.id)
                    });
                }
            }
        }
        for (id, (item, _)) in &listed {
            if goal.entries.contains_key(id) {
                continue;
            }
            let note = item["note"].as_str().unwrap_or_default();
            let example = match self.model.posts.get(note) {
                Some((_, PostOutcome::NotApplied)) => (
                    Invariant::ErrorsNotApplied,
                    format!(
                        "entry {id} of goal {} was made by {note}, a post answered with an error or not sent",
                        goal.id
                    ),
                ),
                Some((_, PostOutcome::Applied(other))) => (
                    Invariant::UnknownAllOrNothing,
                    format!(
                        "the post {note} made a second entry {id} beside {other} (goal {})",
                        goal.id
                    ),
                ),
                None => (
                    Invariant::ErrorsNotApplied,
                    format!("entry {id} of goal {} was made by no post of the user: {item}", goal.id),
                ),
            };
            self.findings().broke(example.0, example.1);
        }
        let absent = self
            .model
            .posts
            .iter()
            .filter(|(note, (of, outcome))| {
                *of == goal.id && *outcome == PostOutcome::NotApplied && !notes.contains_key(note.as_str())
            })
            .count();
        self.findings().held(Invariant::ErrorsNotApplied, absent as u64);
        for note in &self.model.replayed {
            if goal.entries.values().any(|entry| &entry.note == note) {
                let count = notes.get(note.as_str()).copied().unwrap_or(0);
                self.findings().check(Invariant::IdempotentReplay, count == 1, || {
                    format!("the post {note}, retried with its key after an unknown outcome, made {count} entries")
                });
            }
        }
    }
}
