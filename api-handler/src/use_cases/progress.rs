//! Logging progress.

use chrono::Utc;
use route_framework::error::ApiError;
use serde::Serialize;

use super::calendar;
use crate::app::App;
use crate::domain::progress::{NewProgress, ProgressEntry};
use crate::domain::stats;
use crate::idempotency::IdempotencyKey;
use crate::store::ports::ProgressDraft;

/// What identifies a progress request for its `Idempotency-Key`: the goal
/// and the body as sent.
#[derive(Serialize)]
struct Fingerprinted<'a> {
    goal_id: &'a str,
    progress: &'a NewProgress,
}

/// Records `progress` on `user_id`'s goal `goal_id`, counted on the user's
/// local day, and delivers its events. With a key, a retry of the same
/// request answers the entry the first one recorded.
pub async fn record(
    app: &App,
    user_id: &str,
    goal_id: &str,
    key: &IdempotencyKey,
    progress: NewProgress,
) -> Result<ProgressEntry, ApiError> {
    let idempotency = key.with_request(&Fingerprinted {
        goal_id,
        progress: &progress,
    })?;
    let at = progress.at(Utc::now())?;
    let time_zone = calendar::time_zone(app, user_id).await?;
    let draft = ProgressDraft {
        value: progress.value,
        note: progress.note,
        at,
        day: stats::local_date(at, time_zone),
    };
    let recorded = app.progress().record(user_id, goal_id, draft, idempotency).await?;
    app.relay().deliver(&recorded.events).await;
    Ok(recorded.entry)
}
