//! Notifications: what the inbox holds, made by the consumers of goal
//! events and by the daily reminder.

use chrono::{DateTime, NaiveDate, Utc};
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::goal::{Goal, Target};

/// The local hour (in each user's time zone) the daily reminder is sent.
pub const REMINDER_HOUR: u32 = 20;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[allow(missing_docs)]
pub enum NotificationType {
    #[serde(rename = "goal.target_reached")]
    GoalTargetReached,
    #[serde(rename = "goal.completed")]
    GoalCompleted,
    #[serde(rename = "reminder.daily")]
    DailyReminder,
}

/// One notification in a user's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Its id (a ULID of its creation time); newest first is id order.
    pub notification_id: String,
    /// What it is about.
    #[serde(rename = "type")]
    pub kind: NotificationType,
    /// A short headline.
    pub title: String,
    /// The message.
    pub body: String,
    /// The goal it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the user marked it read; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// The id of the notification `source` makes at `at`: a ULID whose time is
/// `at` and whose random part is a hash of `source`, so the same source
/// (an event id, a user's day) always makes the same id and a redelivery
/// finds it already stored.
pub fn notification_id(source: &str, at: DateTime<Utc>) -> String {
    let digest = Sha256::digest(source.as_bytes());
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&digest[..10]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or_default();
    ulid::Ulid::from_parts(millis, u128::from_be_bytes(random)).to_string()
}

/// A number as people write it: no trailing `.0`.
fn amount(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

impl Notification {
    /// "Target reached" for the event `event_id` about goal `goal_id`.
    pub fn target_reached(event_id: &str, goal: &GoalFacts, at: DateTime<Utc>) -> Notification {
        let period = match goal.period.as_deref() {
            Some("daily") => " today",
            Some("weekly") => " this week",
            Some("monthly") => " this month",
            _ => "",
        };
        Notification {
            notification_id: notification_id(&format!("event:{event_id}"), at),
            kind: NotificationType::GoalTargetReached,
            title: format!("Target reached: {}", goal.title),
            body: format!(
                "You reached your target of {} {}{period}.",
                amount(goal.target_value),
                goal.target_unit
            ),
            goal_id: Some(goal.goal_id.clone()),
            created_at: at,
            read_at: None,
        }
    }

    /// "Goal completed" for the event `event_id`.
    pub fn completed(event_id: &str, goal: &GoalFacts, at: DateTime<Utc>) -> Notification {
        Notification {
            notification_id: notification_id(&format!("event:{event_id}"), at),
            kind: NotificationType::GoalCompleted,
            title: format!("Goal completed: {}", goal.title),
            body: format!(
                "Well done: you completed {} with {} {} logged.",
                goal.title,
                amount(goal.total),
                goal.target_unit
            ),
            goal_id: Some(goal.goal_id.clone()),
            created_at: at,
            read_at: None,
        }
    }

    /// The daily reminder of `user_id` on their local `day`, about `goals`
    /// (active daily goals with no progress that day).
    pub fn daily_reminder(user_id: &str, day: NaiveDate, goals: &[&Goal], at: DateTime<Utc>) -> Notification {
        let titles: Vec<&str> = goals.iter().map(|goal| goal.title.as_str()).collect();
        Notification {
            notification_id: notification_id(&format!("reminder:{user_id}:{day}"), at),
            kind: NotificationType::DailyReminder,
            title: "Nothing logged today yet".to_owned(),
            body: format!("There is still time to log progress on {}.", titles.join(", ")),
            goal_id: match goals {
                [goal] => Some(goal.goal_id.clone()),
                _ => None,
            },
            created_at: at,
            read_at: None,
        }
    }
}

/// What a goal event tells about its goal.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalFacts {
    /// The goal.
    pub goal_id: String,
    /// Its title.
    pub title: String,
    /// Its period (`daily`, …), when the event names it.
    pub period: Option<String>,
    /// Its target amount.
    pub target_value: f64,
    /// Its target unit.
    pub target_unit: String,
    /// The amount logged (in the period, or in all).
    pub total: f64,
}

/// A goal event (`goal.target_reached`, `goal.completed`) as its consumer
/// reads it off the queue.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct GoalEventMessage {
    /// The event's id: its notification's id derives from it.
    #[garde(length(min = 1, max = 64))]
    pub event_id: String,
    /// Whose goal.
    #[garde(length(min = 1, max = 128))]
    pub user_id: String,
    /// The goal.
    #[garde(length(min = 1, max = 64))]
    pub goal_id: String,
    /// When it happened.
    #[garde(skip)]
    pub occurred_at: DateTime<Utc>,
    /// What the event says about the goal.
    #[garde(dive)]
    pub data: GoalEventData,
}

/// The `data` of a goal event.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct GoalEventData {
    /// The goal's title (events written before it was carried have none).
    #[serde(default)]
    #[garde(skip)]
    pub title: Option<String>,
    /// The goal's period (`goal.target_reached`).
    #[serde(default)]
    #[garde(skip)]
    pub period: Option<String>,
    /// The goal's target.
    #[garde(dive)]
    pub target: Target,
    /// The period's total (`goal.target_reached`).
    #[serde(default)]
    #[garde(skip)]
    pub total: Option<f64>,
    /// The goal's total (`goal.completed`).
    #[serde(default)]
    #[garde(skip)]
    pub progress_total: Option<f64>,
}

impl GoalEventMessage {
    /// What the notification says about the goal.
    pub fn facts(&self) -> GoalFacts {
        GoalFacts {
            goal_id: self.goal_id.clone(),
            title: self.data.title.clone().unwrap_or_else(|| "your goal".to_owned()),
            period: self.data.period.clone(),
            target_value: self.data.target.value,
            target_unit: self.data.target.unit.clone(),
            total: self.data.total.or(self.data.progress_total).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_source_makes_the_same_id_and_ids_sort_by_time() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let later = at + chrono::Duration::milliseconds(1);
        assert_eq!(notification_id("event:a", at), notification_id("event:a", at));
        assert_ne!(notification_id("event:a", at), notification_id("event:b", at));
        assert!(notification_id("event:z", at) < notification_id("event:a", later));
        assert_eq!(notification_id("event:a", at).len(), 26);
    }

    #[test]
    fn amounts_read_naturally() {
        assert_eq!(amount(5.0), "5");
        assert_eq!(amount(2.5), "2.5");
        assert_eq!(amount(1.0 / 3.0), "0.33");
    }
}
