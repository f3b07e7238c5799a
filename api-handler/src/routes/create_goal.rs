//! `POST /goals`.

use chrono::Utc;

use crate::domain::goal::{Goal, NewGoal};
use crate::domain::stats::millis;
use crate::prelude::*;

/// Create a goal.
#[route("POST /goals")]
async fn create_goal(user: User, app: App, Json(goal): Json<NewGoal>) -> Result<WithEtag<Created<Goal>>, ApiError> {
    let goal = Goal::new(&user.id, goal.normalized(), millis(Utc::now()));
    let events = [goal.created_event()];
    app.goals().create(&goal, &events).await?;
    app.relay().deliver(&events).await;
    let etag = goal.etag();
    let location = format!("/goals/{}", goal.goal_id);
    Ok(WithEtag::new(Created::new(location, goal), etag))
}
