//! `DELETE /goals/{goalId}/attachments/{attachmentId}`.

use crate::prelude::*;

/// Delete an attachment and its bytes.
#[route("DELETE /goals/{goalId}/attachments/{attachmentId}")]
async fn delete_attachment(
    user: User,
    app: App,
    Path((goal_id, attachment_id)): Path<(String, String)>,
) -> Result<NoContent, ApiError> {
    let key = app
        .goals()
        .delete_attachment(&user.id, &goal_id, &attachment_id)
        .await?;
    app.blobs().delete(&[key]).await?;
    Ok(NoContent)
}
