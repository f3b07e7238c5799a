//! `DELETE /goals/{goalId}`.

use crate::prelude::*;

/// Delete a goal with its progress, aggregates and attachments.
#[route("DELETE /goals/{goalId}")]
async fn delete_goal(user: User, app: App, Path(goal_id): Path<String>) -> Result<NoContent, ApiError> {
    let blob_keys = app.goals().delete(&user.id, &goal_id).await?;
    app.blobs().delete(&blob_keys).await?;
    Ok(NoContent)
}
