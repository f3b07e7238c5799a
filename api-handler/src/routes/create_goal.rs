//! `POST /goals`.

use crate::domain::goal::{Goal, NewGoal};
use crate::prelude::*;

/// Create a goal.
#[route("POST /goals")]
async fn create_goal(user: User, app: App, Json(goal): Json<NewGoal>) -> Result<WithEtag<Created<Goal>>, ApiError> {
    let goal = app.goals().create(&user.id, goal.validate()?).await?;
    let etag = goal.etag();
    let location = format!("/goals/{}", goal.goal_id);
    Ok(WithEtag::new(Created::new(location, goal), etag))
}
