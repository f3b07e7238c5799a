//! `GET /goals/{goalId}`.

use crate::api::with_etag;
use crate::prelude::*;

/// Read one goal.
#[route("GET /goals/{goalId}")]
async fn get_goal(user: User, app: App, Path(goal_id): Path<String>) -> Result<Response, ApiError> {
    let goal = app.goals().get(&user.id, &goal_id).await?;
    let etag = goal.etag();
    Ok(with_etag(Response::json(&goal), &etag))
}
