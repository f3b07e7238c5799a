//! `POST /goals`.

use crate::api::with_etag;
use crate::domain::goal::NewGoal;
use crate::prelude::*;

/// Create a goal.
#[route("POST /goals")]
async fn create_goal(user: User, app: App, Json(goal): Json<NewGoal>) -> Result<Response, ApiError> {
    let goal = app.goals().create(&user.id, goal.validate()?).await?;
    let etag = goal.etag();
    let location = format!("/goals/{}", goal.goal_id);
    Ok(with_etag(Created::new(location, goal).into_response(), &etag))
}
