//! `DELETE /goals/{goalId}`.

use crate::prelude::*;

/// Delete a goal with its progress, aggregates and attachments.
#[route("DELETE /goals/{goalId}")]
async fn delete_goal(user: User, app: App, Path(goal_id): Path<String>) -> Result<NoContent, ApiError> {
    let attachments = app.goals().delete(&user.id, &goal_id).await?;
    let keys: Vec<String> = attachments.iter().map(|attachment| attachment.blob_key()).collect();
    app.blobs().delete(&keys).await?;
    Ok(NoContent)
}
