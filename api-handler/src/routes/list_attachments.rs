//! `GET /goals/{goalId}/attachments`.

use crate::domain::attachment::AttachmentView;
use crate::prelude::*;

/// The attachments list.
#[derive(Debug, Serialize, JsonSchema)]
struct Attachments {
    items: Vec<AttachmentView>,
}

/// List a goal's attachments with presigned download URLs.
#[route("GET /goals/{goalId}/attachments")]
async fn list_attachments(user: User, app: App, Path(goal_id): Path<String>) -> Result<Json<Attachments>, ApiError> {
    let attachments = app.attachments().list(&user.id, &goal_id).await?;
    let mut items = Vec::with_capacity(attachments.len());
    for attachment in attachments {
        let download = app
            .blobs()
            .presign_download(&attachment.blob_key(), &attachment.content_type)
            .await?;
        items.push(AttachmentView::of(attachment, download.url, download.expires_at));
    }
    Ok(Json(Attachments { items }))
}
