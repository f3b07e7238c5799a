//! `PATCH /goals/{goalId}`.

use crate::domain::goal::{Goal, GoalPatch};
use crate::preconditions::if_match_version;
use crate::prelude::*;

/// Change some of a goal's fields or its status; `If-Match` guards against lost updates.
#[route("PATCH /goals/{goalId}")]
async fn update_goal(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    headers: Headers,
    Json(patch): Json<GoalPatch>,
) -> Result<WithEtag<Json<Goal>>, ApiError> {
    let if_version = if_match_version(&headers)?;
    let goal = app
        .goals()
        .update(&user.id, &goal_id, patch.validate()?, if_version)
        .await?;
    let etag = goal.etag();
    Ok(WithEtag::new(Json(goal), etag))
}
