//! Domain events: what happened, built here once for every backend, written
//! to the outbox with the change that caused them and relayed to the
//! notifications publisher.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum EventType {
    #[serde(rename = "user.registered")]
    UserRegistered,
    #[serde(rename = "user.deleted")]
    UserDeleted,
    #[serde(rename = "user.export_requested")]
    UserExportRequested,
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
            EventType::UserDeleted => "user.deleted",
            EventType::UserExportRequested => "user.export_requested",
            EventType::GoalCreated => "goal.created",
            EventType::GoalTargetReached => "goal.target_reached",
            EventType::GoalCompleted => "goal.completed",
        }
    }
}

/// One event: `{eventId, type, userId, goalId?, occurredAt, data}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEvent {
    /// Unique id (ULID); consumers de-duplicate on it.
    #[serde(alias = "id")]
    pub event_id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Whose data it concerns.
    pub user_id: String,
    /// The goal, for goal events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
            event_id: super::new_id(),
            kind,
            user_id: user_id.to_owned(),
            goal_id: goal_id.map(str::to_owned),
            occurred_at,
            data,
        }
    }

    /// `user.registered`: an account and its profile exist.
    pub fn user_registered(user_id: &str, email: &str, at: DateTime<Utc>) -> Self {
        let data = serde_json::json!({ "email": email });
        DomainEvent::new(EventType::UserRegistered, user_id, None, at, data)
    }

    /// `user.deleted`: the account can no longer log in, and everything it
    /// owned is to be purged. The email lets the purge reach the identity
    /// provider, whose admin calls name users by it.
    pub fn user_deleted(user_id: &str, email: &str, at: DateTime<Utc>) -> Self {
        let data = serde_json::json!({ "email": email });
        DomainEvent::new(EventType::UserDeleted, user_id, None, at, data)
    }

    /// `user.export_requested`: the export `export_id` of everything the
    /// user owns is to be prepared.
    pub fn user_export_requested(user_id: &str, export_id: &str, at: DateTime<Utc>) -> Self {
        let data = serde_json::json!({ "exportId": export_id });
        DomainEvent::new(EventType::UserExportRequested, user_id, None, at, data)
    }
}
