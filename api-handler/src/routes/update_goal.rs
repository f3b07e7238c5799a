//! `PATCH /goals/{goalId}`.

use crate::domain::goal::{Goal, GoalPatch};
use crate::preconditions::IfMatch;
use crate::prelude::*;
use crate::use_cases::goals;

/// Change some of a goal's fields or its status; `If-Match` guards against lost updates.
#[route("PATCH /goals/{goalId}")]
async fn update_goal(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    condition: IfMatch,
    Json(patch): Json<GoalPatch>,
) -> Result<WithEtag<Json<Goal>>, ApiError> {
    let updated = goals::update(&app, &user.id, &goal_id, &condition, patch).await?;
    let etag = updated.etag();
    Ok(WithEtag::new(Json(updated), etag))
}
