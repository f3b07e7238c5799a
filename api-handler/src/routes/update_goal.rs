//! `PATCH /goals/{goalId}`.

use chrono::Utc;

use crate::domain::goal::{Goal, GoalPatch};
use crate::domain::stats::millis;
use crate::preconditions::IfMatch;
use crate::prelude::*;
use crate::store::ports::StoreError;

/// How often a patch without `If-Match` is re-applied when the goal changes under it.
const ATTEMPTS: usize = 5;

/// Change some of a goal's fields or its status; `If-Match` guards against lost updates.
#[route("PATCH /goals/{goalId}")]
async fn update_goal(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    headers: Headers,
    Json(patch): Json<GoalPatch>,
) -> Result<WithEtag<Json<Goal>>, ApiError> {
    let condition = IfMatch::from_headers(&headers)?;
    // With `*` (or no header) the patch applies to whatever is current.
    let exact = condition.as_ref().is_some_and(|condition| *condition != IfMatch::Any);
    let patch = patch.normalized()?;
    for _ in 0..ATTEMPTS {
        let goal = app.goals().get(&user.id, &goal_id).await?;
        if condition
            .as_ref()
            .is_some_and(|condition| !condition.matches(&goal.etag()))
        {
            return Err(ApiError::precondition_failed(
                "the goal has changed: fetch it again and retry",
            ));
        }
        let (updated, events) = goal.patched(patch.clone(), millis(Utc::now()));
        match app.goals().replace(&updated, goal.version, &events).await {
            Ok(()) => {
                app.relay().deliver(&events).await;
                let etag = updated.etag();
                return Ok(WithEtag::new(Json(updated), etag));
            }
            // Changed between the read and the write: with `If-Match` that
            // is the client's conflict, without it we apply the patch again.
            Err(StoreError::PreconditionFailed) if !exact => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::from(StoreError::Unavailable {
        reason: "the goal keeps changing".to_owned(),
        retry_after_secs: 1,
    }))
}
