//! The record: what the server acknowledged to one user, kept as the
//! state the server must hold. Every write of unknown outcome is resolved
//! (read back or retried) before the user goes on, so the record stays
//! exact; how each was resolved is counted here too.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

/// The goal fields a user sets and the server must keep as set.
pub(super) const GOAL_FIELDS: [&str; 7] = [
    "title",
    "description",
    "category",
    "target",
    "period",
    "dueDate",
    "status",
];

/// An account its user deleted.
#[derive(Debug, Clone)]
pub(super) struct Departed {
    /// Its id.
    pub(super) user_id: String,
    /// Its email.
    pub(super) email: String,
    /// Its password when deleted.
    pub(super) password: String,
    /// The access token it held.
    pub(super) access: String,
}

/// A progress entry the server acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EntryModel {
    /// Its value.
    pub(super) value: f64,
    /// When it happened, as answered.
    pub(super) at: DateTime<Utc>,
    /// Its note: the marker of the post that made it.
    pub(super) note: String,
}

/// An attachment the server acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AttachmentModel {
    /// Its file name (a marker).
    pub(super) file_name: String,
    /// Its content type.
    pub(super) content_type: String,
    /// Its declared size.
    pub(super) size: u64,
    /// The bytes, once their upload was acknowledged.
    pub(super) bytes: Option<Vec<u8>>,
}

/// One goal as the server must hold it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GoalModel {
    /// Its id.
    pub(super) id: String,
    /// The marker in its description.
    pub(super) marker: String,
    /// [`GOAL_FIELDS`] as acknowledged.
    pub(super) fields: Map<String, Value>,
    /// Its version: 1, plus one per patch and per entry applied.
    pub(super) version: u64,
    /// Its entries, by id.
    pub(super) entries: BTreeMap<String, EntryModel>,
    /// Its attachments, by id.
    pub(super) attachments: BTreeMap<String, AttachmentModel>,
    /// Whether its deletion was acknowledged.
    pub(super) deleted: bool,
}

impl GoalModel {
    /// The goal as a `201` of `POST /goals` answered it, if it reads as one.
    pub(super) fn from_answer(goal: &Value, marker: &str) -> Option<GoalModel> {
        Some(GoalModel {
            id: goal["goalId"].as_str()?.to_owned(),
            marker: marker.to_owned(),
            fields: pick_fields(goal),
            version: goal["version"].as_u64()?,
            entries: BTreeMap::new(),
            attachments: BTreeMap::new(),
            deleted: false,
        })
    }

    /// The sum of its entries.
    pub(super) fn total(&self) -> f64 {
        self.entries.values().map(|entry| entry.value).sum()
    }

    /// Its status.
    pub(super) fn status(&self) -> &str {
        self.fields.get("status").and_then(Value::as_str).unwrap_or("?")
    }

    /// What differs between this record and `goal` as the server answered
    /// it (fields, version, total); empty when they agree.
    pub(super) fn differences(&self, goal: &Value) -> Vec<String> {
        let mut differences = Vec::new();
        let answered = pick_fields(goal);
        for field in GOAL_FIELDS {
            let (want, got) = (self.fields.get(field), answered.get(field));
            if !same_json(want.unwrap_or(&Value::Null), got.unwrap_or(&Value::Null)) {
                differences.push(format!(
                    "{field}: acknowledged {}, read {}",
                    want.unwrap_or(&Value::Null),
                    got.unwrap_or(&Value::Null)
                ));
            }
        }
        if goal["version"].as_u64() != Some(self.version) {
            differences.push(format!(
                "version: expected {} (1 + patches + entries), read {}",
                self.version, goal["version"]
            ));
        }
        let total = self.total();
        if goal["progressTotal"].as_f64() != Some(total) {
            differences.push(format!(
                "progressTotal: the entries sum to {total}, read {}",
                goal["progressTotal"]
            ));
        }
        differences
    }
}

/// [`GOAL_FIELDS`] of a goal as answered (absent ones as `null`).
pub(super) fn pick_fields(goal: &Value) -> Map<String, Value> {
    GOAL_FIELDS
        .iter()
        .map(|field| ((*field).to_owned(), goal.get(*field).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// JSON equality with numbers compared as numbers (`5` and `5.0` alike).
pub(super) fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, value)| y.get(key).is_some_and(|other| same_json(value, other)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q)),
        _ => a == b,
    }
}

/// What came of one progress post (all its retries together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PostOutcome {
    /// It made this entry.
    Applied(String),
    /// It was answered with an error, or found not applied: no entry.
    NotApplied,
}

/// How writes of unknown outcome were resolved, by kind of write.
#[derive(Debug, Clone, Default)]
pub(super) struct Resolutions {
    /// Kind → (found applied, found not applied).
    pub(super) by_kind: BTreeMap<&'static str, (u64, u64)>,
}

impl Resolutions {
    /// Counts one write of `kind` resolved as `applied` or not.
    pub(super) fn count(&mut self, kind: &'static str, applied: bool) {
        let slot = self.by_kind.entry(kind).or_default();
        if applied {
            slot.0 += 1;
        } else {
            slot.1 += 1;
        }
    }
}

/// Everything one user's record holds.
#[derive(Debug, Clone, Default)]
pub(super) struct UserModel {
    /// The user's number.
    pub(super) index: usize,
    /// Login email.
    pub(super) email: String,
    /// Current password.
    pub(super) password: String,
    /// Id, once registered.
    pub(super) user_id: String,
    /// The profile's time zone (set before any progress, never changed).
    pub(super) timezone: String,
    /// Every goal the user made, deleted ones included, by id.
    pub(super) goals: BTreeMap<String, GoalModel>,
    /// Markers (descriptions) of goal creations answered with an error or
    /// found not applied.
    pub(super) goals_not_made: BTreeSet<String>,
    /// Every progress post by its note (marker): its goal and outcome.
    pub(super) posts: BTreeMap<String, (String, PostOutcome)>,
    /// Attachment creations answered with an error or found not applied:
    /// their goal and file name.
    pub(super) attachments_not_made: BTreeSet<(String, String)>,
    /// Attachments whose deletion was acknowledged (or found applied).
    pub(super) attachments_deleted: BTreeSet<String>,
    /// Notifications the user marked read (acknowledged).
    pub(super) read: BTreeSet<String>,
    /// Whether the user asked for an export of their data.
    pub(super) export_requested: bool,
    /// How the writes of unknown outcome turned out.
    pub(super) resolutions: Resolutions,
    /// Idempotent retries: (after an acknowledged post, after an unknown one).
    pub(super) retries: (u64, u64),
    /// Notes of the posts whose outcome was unknown and which a retry with
    /// the same key answered: each must have made exactly one entry.
    pub(super) replayed: BTreeSet<String>,
}

impl UserModel {
    /// The goals not deleted.
    pub(super) fn live_goals(&self) -> impl Iterator<Item = &GoalModel> {
        self.goals.values().filter(|goal| !goal.deleted)
    }
}

/// The days `[first, last]` of a listing of entries, if any.
pub(super) fn day_span(days: impl Iterator<Item = NaiveDate>) -> Option<(NaiveDate, NaiveDate)> {
    days.fold(None, |span, day| match span {
        None => Some((day, day)),
        Some((first, last)) => Some((first.min(day), last.max(day))),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_compare_as_numbers() {
        assert!(same_json(
            &json!({"value": 5, "unit": "km"}),
            &json!({"unit": "km", "value": 5.0})
        ));
        assert!(!same_json(&json!({"value": 5}), &json!({"value": 6})));
        assert!(!same_json(&json!(null), &json!("2027-01-01")));
    }

    #[test]
    fn a_goal_record_names_each_difference() {
        let answer = json!({
            "goalId": "g1", "title": "Run", "description": "m", "category": "fitness",
            "target": {"value": 10, "unit": "km"}, "period": "weekly", "status": "active",
            "version": 1, "progressTotal": 0.0,
        });
        let mut goal = GoalModel::from_answer(&answer, "m").unwrap();
        assert!(goal.differences(&answer).is_empty());
        goal.version = 2;
        goal.entries.insert(
            "e1".to_owned(),
            EntryModel {
                value: 1.5,
                at: Utc::now(),
                note: "n".to_owned(),
            },
        );
        let differences = goal.differences(&answer);
        assert_eq!(differences.len(), 2, "{differences:?}");
    }
}
