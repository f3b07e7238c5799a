//! `POST /goals/{goalId}/attachments`.

use chrono::{DateTime, Utc};

use crate::domain::attachment::{ALLOWED_CONTENT_TYPES, MAX_ATTACHMENT_SIZE};
use crate::domain::validate::Validator;
use crate::prelude::*;
use crate::store::ports::NewAttachment;

/// What the client will upload.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttachmentRequest {
    file_name: String,
    content_type: String,
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
    let file_name = request.file_name.trim().to_owned();
    let mut v = Validator::new();
    v.length(&file_name, "/fileName", 1, 255);
    v.check(
        !file_name.contains(['/', '\\']) && !file_name.chars().any(char::is_control),
        "/fileName",
        "must be a plain file name",
    );
    v.check(
        ALLOWED_CONTENT_TYPES.contains(&request.content_type.as_str()),
        "/contentType",
        &format!("must be one of {}", ALLOWED_CONTENT_TYPES.join(", ")),
    );
    v.check(
        (1..=MAX_ATTACHMENT_SIZE).contains(&request.size),
        "/size",
        "must be from 1 byte to 10 MiB",
    );
    v.finish()?;

    let new = NewAttachment {
        file_name,
        content_type: request.content_type,
        size: request.size,
    };
    let attachment = app.goals().create_attachment(&user.id, &goal_id, new).await?;
    let upload = app
        .blobs()
        .presign_upload(&attachment.blob_key(), &attachment.content_type, attachment.size)?;
    let location = format!("/goals/{goal_id}/attachments/{}", attachment.attachment_id);
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
