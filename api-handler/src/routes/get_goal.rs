//! `GET /goals/{goalId}`.

use crate::domain::goal::Goal;
use crate::prelude::*;

/// Read one goal.
#[route("GET /goals/{goalId}")]
async fn get_goal(user: User, app: App, Path(goal_id): Path<String>) -> Result<WithEtag<Json<Goal>>, ApiError> {
    let goal = app.goals().get(&user.id, &goal_id).await?;
    let etag = goal.etag();
    Ok(WithEtag::new(Json(goal), etag))
}
