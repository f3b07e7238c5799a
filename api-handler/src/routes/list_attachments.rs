//! `GET /goals/{goalId}/attachments`.

use chrono::{DateTime, Utc};

use crate::prelude::*;

/// One attachment with a fresh download URL.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct AttachmentView {
    attachment_id: String,
    file_name: String,
    content_type: String,
    size: u64,
    created_at: DateTime<Utc>,
    download_url: String,
    expires_at: DateTime<Utc>,
}

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
        items.push(AttachmentView {
            attachment_id: attachment.attachment_id,
            file_name: attachment.file_name,
            content_type: attachment.content_type,
            size: attachment.size,
            created_at: attachment.created_at,
            download_url: download.url,
            expires_at: download.expires_at,
        });
    }
    Ok(Json(Attachments { items }))
}
