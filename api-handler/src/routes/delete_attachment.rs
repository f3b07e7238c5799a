//! `DELETE /goals/{goalId}/attachments/{attachmentId}`.

use crate::prelude::*;

/// Delete an attachment and its bytes.
#[route("DELETE /goals/{goalId}/attachments/{attachmentId}")]
async fn delete_attachment(
    user: User,
    app: App,
    Path((goal_id, attachment_id)): Path<(String, String)>,
) -> Result<NoContent, ApiError> {
    let attachment = app.attachments().delete(&user.id, &goal_id, &attachment_id).await?;
    app.blobs().delete(&[attachment.blob_key()]).await?;
    Ok(NoContent)
}
