//! `POST /goals/{goalId}/attachments`.

use chrono::{DateTime, Utc};

use crate::domain::attachment::{Attachment, ContentType, MAX_ATTACHMENT_SIZE};
use crate::domain::{new_id, rules, stats};
use crate::prelude::*;

/// What the client will upload.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttachmentRequest {
    /// A plain file name: 1–255 characters, no `/`, `\` or control characters.
    #[garde(length(chars, min = 1, max = 255), custom(rules::file_name))]
    #[schemars(schema_with = "rules::file_name_schema")]
    file_name: String,
    /// The bytes' type.
    #[garde(skip)]
    content_type: ContentType,
    /// Exact size in bytes, at most 10 MiB.
    #[garde(range(min = 1, max = MAX_ATTACHMENT_SIZE))]
    size: u64,
}

/// Where and how to upload it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UploadTicket {
    attachment_id: String,
    file_name: String,
    content_type: String,
    size: u64,
    upload_url: String,
    upload_method: &'static str,
    upload_headers: serde_json::Map<String, serde_json::Value>,
    expires_at: DateTime<Utc>,
}

/// Register an attachment and get a presigned upload URL for its bytes.
#[route("POST /goals/{goalId}/attachments")]
async fn create_attachment(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    Json(request): Json<AttachmentRequest>,
) -> Result<Created<UploadTicket>, ApiError> {
    let attachment = Attachment {
        attachment_id: new_id(),
        goal_id,
        user_id: user.id,
        file_name: rules::trim(&request.file_name).to_owned(),
        content_type: request.content_type.as_str().to_owned(),
        size: request.size,
        created_at: stats::millis(Utc::now()),
    };
    app.attachments().create(&attachment).await?;
    let upload = app
        .blobs()
        .presign_upload(&attachment.blob_key(), &attachment.content_type, attachment.size)
        .await?;
    let location = format!("/goals/{}/attachments/{}", attachment.goal_id, attachment.attachment_id);
    Ok(Created::new(
        location,
        UploadTicket {
            attachment_id: attachment.attachment_id,
            file_name: attachment.file_name,
            content_type: attachment.content_type,
            size: attachment.size,
            upload_url: upload.url,
            upload_method: "PUT",
            upload_headers: upload
                .headers
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
            expires_at: upload.expires_at,
        },
    ))
}
