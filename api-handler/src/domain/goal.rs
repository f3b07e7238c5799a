//! Goals: what a user aims for, and the rules for creating and changing them.

use chrono::{DateTime, NaiveDate, Utc};
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::events::{DomainEvent, EventType};
use super::rules;

/// What area of life a goal belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Category {
    Fitness,
    Nutrition,
    Sleep,
    Mindfulness,
    Learning,
    Finance,
    Social,
    Other,
}

/// How often the target is meant to be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
    Once,
}

/// Lifecycle of a goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum GoalStatus {
    Active,
    Completed,
    Archived,
}

impl GoalStatus {
    /// The stored and query-string name.
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::Active => "active",
            GoalStatus::Completed => "completed",
            GoalStatus::Archived => "archived",
        }
    }
}

/// A quantity to reach, such as 5 km.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Amount, greater than zero and at most 1e9.
    #[garde(custom(rules::amount))]
    #[schemars(schema_with = "rules::amount_schema")]
    pub value: f64,
    /// Unit, 1–20 characters, not blank.
    #[garde(length(chars, min = 1, max = 20), custom(rules::not_blank))]
    #[schemars(schema_with = "rules::unit_schema")]
    pub unit: String,
}

/// `POST /goals` body.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewGoal {
    /// 1–200 characters, not blank.
    #[garde(length(chars, min = 1, max = 200), custom(rules::not_blank))]
    #[schemars(schema_with = "rules::title_schema")]
    pub title: String,
    /// At most 2000 characters.
    #[garde(length(chars, max = 2000))]
    pub description: Option<String>,
    /// Area of life.
    #[garde(skip)]
    pub category: Category,
    /// What to reach.
    #[garde(dive)]
    pub target: Target,
    /// How often.
    #[garde(skip)]
    pub period: Period,
    /// Optional deadline.
    #[garde(skip)]
    pub due_date: Option<NaiveDate>,
}

impl NewGoal {
    /// The goal as stored: title and unit trimmed.
    pub fn normalized(mut self) -> NewGoal {
        self.title = rules::trim(&self.title).to_owned();
        self.target.unit = rules::trim(&self.target.unit).to_owned();
        self
    }
}

/// `PATCH /goals/{goalId}` body: at least one `NewGoal` field, or `status`.
/// Fields are absent or set, never `null`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct GoalPatch {
    /// 1–200 characters, not blank.
    #[garde(length(chars, min = 1, max = 200), inner(custom(rules::not_blank)))]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(schema_with = "rules::title_schema")]
    pub title: Option<String>,
    /// At most 2000 characters.
    #[garde(length(chars, max = 2000))]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(with = "String")]
    pub description: Option<String>,
    /// Area of life.
    #[garde(skip)]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(with = "Category")]
    pub category: Option<Category>,
    /// What to reach.
    #[garde(dive)]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(with = "Target")]
    pub target: Option<Target>,
    /// How often.
    #[garde(skip)]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(with = "Period")]
    pub period: Option<Period>,
    /// Deadline.
    #[garde(skip)]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(with = "NaiveDate")]
    pub due_date: Option<NaiveDate>,
    /// Lifecycle state.
    #[garde(skip)]
    #[serde(default, deserialize_with = "rules::present")]
    #[schemars(with = "GoalStatus")]
    pub status: Option<GoalStatus>,
}

impl GoalPatch {
    /// The patch as applied: title and unit trimmed; an empty patch is a 422
    /// (the schema says `minProperties: 1`).
    pub fn normalized(mut self) -> Result<GoalPatch, DomainError> {
        if self == GoalPatch::default() {
            return Err(DomainError::invalid(
                "",
                "the patch changes nothing: send at least one field",
            ));
        }
        self.title = self.title.map(|title| rules::trim(&title).to_owned());
        if let Some(target) = &mut self.target {
            target.unit = rules::trim(&target.unit).to_owned();
        }
        Ok(self)
    }
}

/// A stored goal.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    /// Id (ULID).
    pub goal_id: String,
    /// Owner.
    pub user_id: String,
    /// Title.
    pub title: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Area of life.
    pub category: Category,
    /// What to reach.
    pub target: Target,
    /// How often.
    pub period: Period,
    /// Deadline, if any.
    pub due_date: Option<NaiveDate>,
    /// Lifecycle state.
    pub status: GoalStatus,
    /// Sum of every progress value recorded.
    pub progress_total: f64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change; the `ETag`.
    pub version: u64,
}

impl Goal {
    /// A new active goal of `user_id`, created `now`, at version 1.
    pub fn new(user_id: &str, new: NewGoal, now: DateTime<Utc>) -> Goal {
        Goal {
            goal_id: super::new_id(),
            user_id: user_id.to_owned(),
            title: new.title,
            description: new.description,
            category: new.category,
            target: new.target,
            period: new.period,
            due_date: new.due_date,
            status: GoalStatus::Active,
            progress_total: 0.0,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// The goal after `patch`, at the next version, with the events the change
    /// causes (`goal.completed` when the status becomes completed).
    pub fn patched(&self, patch: GoalPatch, now: DateTime<Utc>) -> (Goal, Vec<DomainEvent>) {
        let mut goal = self.clone();
        let completed = goal.apply(patch);
        goal.version += 1;
        goal.updated_at = now;
        let events = if completed {
            let data = serde_json::json!({
                "title": goal.title, "progressTotal": goal.progress_total, "target": goal.target,
            });
            vec![goal.event(EventType::GoalCompleted, goal.updated_at, data)]
        } else {
            Vec::new()
        };
        (goal, events)
    }

    /// `goal.created`, for a goal just made with [`Goal::new`].
    pub fn created_event(&self) -> DomainEvent {
        let data = serde_json::json!({ "title": self.title, "category": self.category, "period": self.period });
        self.event(EventType::GoalCreated, self.created_at, data)
    }

    /// An event about this goal.
    pub fn event(&self, kind: EventType, at: DateTime<Utc>, data: serde_json::Value) -> DomainEvent {
        DomainEvent::new(kind, &self.user_id, Some(&self.goal_id), at, data)
    }

    /// The strong `ETag` of this version: `"<version>"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// Applies a validated patch, returning whether the status became `completed`.
    fn apply(&mut self, patch: GoalPatch) -> bool {
        let was_completed = self.status == GoalStatus::Completed;
        if let Some(title) = patch.title {
            self.title = title;
        }
        if let Some(description) = patch.description {
            self.description = Some(description);
        }
        if let Some(category) = patch.category {
            self.category = category;
        }
        if let Some(target) = patch.target {
            self.target = target;
        }
        if let Some(period) = patch.period {
            self.period = period;
        }
        if let Some(due_date) = patch.due_date {
            self.due_date = Some(due_date);
        }
        if let Some(status) = patch.status {
            self.status = status;
        }
        !was_completed && self.status == GoalStatus::Completed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_goal() -> NewGoal {
        NewGoal {
            title: " Run ".to_owned(),
            description: None,
            category: Category::Fitness,
            target: Target {
                value: 5.0,
                unit: "km".to_owned(),
            },
            period: Period::Weekly,
            due_date: None,
        }
    }

    #[test]
    fn valid_goals_are_trimmed() {
        let goal = new_goal();
        assert!(goal.validate().is_ok());
        assert_eq!(goal.normalized().title, "Run");
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let goal = NewGoal {
            title: "  ".to_owned(),
            description: Some("x".repeat(2001)),
            target: Target {
                value: 0.0,
                unit: String::new(),
            },
            ..new_goal()
        };
        let report = goal.validate().unwrap_err();
        let mut fields: Vec<String> = report.iter().map(|(path, _)| path.to_string()).collect();
        fields.sort();
        fields.dedup();
        assert_eq!(fields, ["description", "target.unit", "target.value", "title"]);
    }

    #[test]
    fn an_empty_patch_is_rejected() {
        assert!(GoalPatch::default().normalized().is_err());
        let archive = GoalPatch {
            status: Some(GoalStatus::Archived),
            ..GoalPatch::default()
        };
        assert!(archive.validate().is_ok() && archive.normalized().is_ok());
        let null: Result<GoalPatch, _> = serde_json::from_str(r#"{"title": null}"#);
        assert!(null.is_err(), "a patch field is absent or set, never null");
    }

    #[test]
    fn completing_a_goal_is_reported_once_and_bumps_the_version() {
        let goal = Goal::new("u", new_goal().normalized(), Utc::now());
        let complete = GoalPatch {
            status: Some(GoalStatus::Completed),
            ..GoalPatch::default()
        };
        let (completed, events) = goal.patched(complete.clone(), Utc::now());
        assert_eq!((completed.version, events.len()), (2, 1));
        assert_eq!(events[0].kind, EventType::GoalCompleted);
        let (again, events) = completed.patched(complete, Utc::now());
        assert_eq!((again.version, events.len()), (3, 0));
    }
}
