//! Goals: what a user aims for, and the rules for creating and changing them.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::Validator;
use route_framework::error::ApiError;

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

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<GoalStatus> {
        [GoalStatus::Active, GoalStatus::Completed, GoalStatus::Archived]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A quantity to reach, such as 5 km.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Amount, greater than zero.
    pub value: f64,
    /// Unit, 1–20 characters.
    pub unit: String,
}

/// `POST /goals` body.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewGoal {
    /// 1–200 characters.
    pub title: String,
    /// At most 2000 characters.
    pub description: Option<String>,
    /// Area of life.
    pub category: Category,
    /// What to reach.
    pub target: Target,
    /// How often.
    pub period: Period,
    /// Optional deadline.
    pub due_date: Option<NaiveDate>,
}

/// `PATCH /goals/{goalId}` body: any `NewGoal` field, or `status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct GoalPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<Category>,
    pub target: Option<Target>,
    pub period: Option<Period>,
    pub due_date: Option<NaiveDate>,
    pub status: Option<GoalStatus>,
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
    /// The strong `ETag` of this version: `"<version>"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// Applies a validated patch, returning whether the status became `completed`.
    pub fn apply(&mut self, patch: GoalPatch) -> bool {
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

fn check_title(v: &mut Validator, title: &str) {
    v.length(title.trim(), "/title", 1, 200);
}

fn check_description(v: &mut Validator, description: &str) {
    v.length(description, "/description", 0, 2000);
}

fn check_target(v: &mut Validator, target: &Target) {
    v.check(
        target.value.is_finite() && target.value > 0.0,
        "/target/value",
        "must be > 0",
    );
    v.length(target.unit.trim(), "/target/unit", 1, 20);
}

impl NewGoal {
    /// Validates every field, trimming the title.
    pub fn validate(mut self) -> Result<NewGoal, ApiError> {
        let mut v = Validator::new();
        check_title(&mut v, &self.title);
        if let Some(description) = &self.description {
            check_description(&mut v, description);
        }
        check_target(&mut v, &self.target);
        v.finish()?;
        self.title = self.title.trim().to_owned();
        self.target.unit = self.target.unit.trim().to_owned();
        Ok(self)
    }
}

impl GoalPatch {
    /// Validates the fields present; an empty patch is a 422.
    pub fn validate(mut self) -> Result<GoalPatch, ApiError> {
        let mut v = Validator::new();
        v.check(
            self != GoalPatch::default(),
            "",
            "the patch changes nothing: send at least one field",
        );
        if let Some(title) = &self.title {
            check_title(&mut v, title);
        }
        if let Some(description) = &self.description {
            check_description(&mut v, description);
        }
        if let Some(target) = &self.target {
            check_target(&mut v, target);
        }
        v.finish()?;
        self.title = self.title.map(|t| t.trim().to_owned());
        if let Some(target) = &mut self.target {
            target.unit = target.unit.trim().to_owned();
        }
        Ok(self)
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
        assert_eq!(new_goal().validate().unwrap().title, "Run");
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
        let err = goal.validate().unwrap_err();
        let fields: Vec<&str> = err.details().iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["/title", "/description", "/target/value", "/target/unit"]);
    }

    #[test]
    fn an_empty_patch_is_rejected() {
        assert!(GoalPatch::default().validate().is_err());
        assert!(
            GoalPatch {
                status: Some(GoalStatus::Archived),
                ..GoalPatch::default()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn completing_a_goal_is_reported_once() {
        let mut goal = Goal {
            goal_id: "g".into(),
            user_id: "u".into(),
            title: "t".into(),
            description: None,
            category: Category::Other,
            target: Target {
                value: 1.0,
                unit: "x".into(),
            },
            period: Period::Once,
            due_date: None,
            status: GoalStatus::Active,
            progress_total: 0.0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        let complete = GoalPatch {
            status: Some(GoalStatus::Completed),
            ..GoalPatch::default()
        };
        assert!(goal.apply(complete.clone()));
        assert!(!goal.apply(complete));
    }
}
