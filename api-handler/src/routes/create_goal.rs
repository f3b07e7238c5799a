//! `POST /goals`.

use chrono::Utc;

use crate::domain::goal::{Goal, NewGoal};
use crate::domain::stats::millis;
use crate::prelude::*;

/// Create a goal.
#[route("POST /goals")]
async fn create_goal(user: User, app: App, Json(goal): Json<NewGoal>) -> Result<WithEtag<Created<Goal>>, ApiError> {
    let goal = Goal::new(&user.id, goal.normalized(), millis(Utc::now()));
    app.goals().create(goal.clone(), vec![goal.created_event()]).await?;
    let etag = goal.etag();
    let location = format!("/goals/{}", goal.goal_id);
    Ok(WithEtag::new(Created::new(location, goal), etag))
}
