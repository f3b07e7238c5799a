//! Domain events sent to the notifications queue.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub enum EventType {
    #[serde(rename = "user.registered")]
    UserRegistered,
    #[serde(rename = "goal.created")]
    GoalCreated,
    #[serde(rename = "goal.target_reached")]
    GoalTargetReached,
    #[serde(rename = "goal.completed")]
    GoalCompleted,
}

impl EventType {
    /// The wire name, such as `goal.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::UserRegistered => "user.registered",
            EventType::GoalCreated => "goal.created",
            EventType::GoalTargetReached => "goal.target_reached",
            EventType::GoalCompleted => "goal.completed",
        }
    }
}

/// One event: `{id, type, userId, goalId?, occurredAt, data}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEvent {
    /// Unique id (ULID); consumers de-duplicate on it.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Whose data it concerns.
    pub user_id: String,
    /// The goal, for goal events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal_id: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Event-specific details.
    pub data: serde_json::Value,
}

impl DomainEvent {
    /// A new event with a fresh id.
    pub fn new(
        kind: EventType,
        user_id: &str,
        goal_id: Option<&str>,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    ) -> Self {
        DomainEvent {
            id: super::new_id(),
            kind,
            user_id: user_id.to_owned(),
            goal_id: goal_id.map(str::to_owned),
            occurred_at,
            data,
        }
    }
}
