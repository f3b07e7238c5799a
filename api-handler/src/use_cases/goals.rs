//! Changing goals.

use chrono::Utc;
use route_framework::error::ApiError;

use crate::app::App;
use crate::domain::goal::{Goal, GoalPatch};
use crate::domain::stats::millis;
use crate::preconditions::IfMatch;
use crate::store::ports::StoreError;

/// How often a patch without an exact `If-Match` is re-applied when the goal
/// changes under it.
const ATTEMPTS: usize = 5;

/// Applies `patch` to `user_id`'s goal `goal_id` if `condition` holds, and
/// delivers its events. Optimistic: the goal is read, patched and written
/// back on the version read. With exact entity tags a change in between is
/// the client's 412; without them the patch is applied again to the newer
/// goal, a few times, before a 503.
pub async fn update(
    app: &App,
    user_id: &str,
    goal_id: &str,
    condition: &IfMatch,
    patch: GoalPatch,
) -> Result<Goal, ApiError> {
    let patch = patch.normalized()?;
    for _ in 0..ATTEMPTS {
        let goal = app.goals().get(user_id, goal_id).await?;
        if !condition.matches(&goal.etag()) {
            return Err(ApiError::precondition_failed(
                "the goal has changed: fetch it again and retry",
            ));
        }
        let (updated, events) = goal.patched(patch.clone(), millis(Utc::now()));
        match app.goals().replace(&updated, goal.version, &events).await {
            Ok(()) => {
                app.relay().deliver(&events).await;
                return Ok(updated);
            }
            Err(StoreError::PreconditionFailed) if !condition.is_exact() => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::from(StoreError::Unavailable {
        reason: "the goal keeps changing".to_owned(),
        retry_after_secs: 1,
    }))
}
