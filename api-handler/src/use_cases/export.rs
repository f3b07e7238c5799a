//! Exporting a user's data (GDPR articles 15 and 20): one JSON document of
//! everything they own, prepared by the `user.export_requested` consumer
//! and written to the blob store, then fetched through a presigned URL.
//!
//! No Lambda response could carry a large account (6 MB, 25 s): 100,000
//! progress entries are about 15 MB of JSON. So `GET /users/{userId}/export`
//! answers the export's state: it starts one (or a new one, a day after the
//! last) and says "preparing", then "ready" with a download URL.

use chrono::Utc;
use route_framework::error::ApiError;

use crate::app::App;
use crate::domain::attachment::AttachmentView;
use crate::domain::events::DomainEvent;
use crate::domain::export::{Export, ExportDocument, ExportState, ExportStatus, ExportedAttachment, POLL_SECONDS};
use crate::domain::stats::millis;
use crate::store::ports::{Page, PageRequest, StoreError, StoreResult, TimeRange};

/// Items read per page while the document is gathered: about what one
/// DynamoDB page of 1 MB holds of progress entries.
const PAGE: usize = 2_000;

/// The state of `user_id`'s export, starting a new one when there is none
/// or the last is stale.
pub async fn status(app: &App, user_id: &str) -> Result<ExportStatus, ApiError> {
    let now = millis(Utc::now());
    let current = app.exports().get(user_id).await?;
    let export = match current {
        Some(export) if !export.is_stale(now) => export,
        stale => {
            let export = Export::new(now);
            let events = [DomainEvent::user_export_requested(user_id, &export.export_id, now)];
            let replacing = stale.as_ref().map(|export| export.export_id.as_str());
            if app.exports().start(user_id, &export, replacing, &events).await? {
                app.relay().deliver(&events).await;
                export
            } else {
                // Another request started one a moment ago: answer that one.
                app.exports()
                    .get(user_id)
                    .await?
                    .ok_or(StoreError::NotFound("export"))?
            }
        }
    };
    let Some(ready_at) = export.ready_at else {
        return Ok(ExportStatus {
            export_id: export.export_id,
            status: ExportState::Preparing,
            requested_at: export.requested_at,
            ready_at: None,
            url: None,
            url_expires_at: None,
            retry_after_seconds: Some(POLL_SECONDS),
        });
    };
    let download = app
        .blobs()
        .presign_download(&export.blob_key(user_id), "application/json")
        .await?;
    Ok(ExportStatus {
        export_id: export.export_id,
        status: ExportState::Ready,
        requested_at: export.requested_at,
        ready_at: Some(ready_at),
        url: Some(download.url),
        url_expires_at: Some(download.expires_at),
        retry_after_seconds: None,
    })
}

/// Writes the document of `user_id`'s export `export_id`, unless it is no
/// longer their current one or is written already (a redelivery).
pub async fn prepare(app: &App, user_id: &str, export_id: &str) -> Result<(), StoreError> {
    let Some(export) = app.exports().get(user_id).await? else {
        return Ok(());
    };
    if export.export_id != export_id || export.ready_at.is_some() {
        return Ok(());
    }
    let document = gather(app, user_id, export_id).await?;
    let bytes = serde_json::to_vec(&document)
        .map_err(|err| StoreError::Internal(format!("cannot serialise an export: {err}")))?;
    let key = export.blob_key(user_id);
    app.blobs().put(&key, "application/json", bytes).await?;
    match app.exports().finish(user_id, export_id, millis(Utc::now())).await {
        Ok(()) => Ok(()),
        // Deleted (or replaced) meanwhile: the document must not outlive it.
        Err(StoreError::NotFound(_)) => app.blobs().delete(&[key]).await,
        Err(err) => Err(err),
    }
}

/// Everything `user_id` owns, read through the ports as the API lists it.
async fn gather(app: &App, user_id: &str, export_id: &str) -> Result<ExportDocument, StoreError> {
    let profile = match app.profiles().get(user_id).await {
        Ok(profile) => Some(profile),
        Err(StoreError::NotFound(_)) => None,
        Err(err) => return Err(err),
    };
    let goals = every_page(|page| app.goals().list(user_id, None, page)).await?;
    let mut progress = Vec::new();
    let mut attachments = Vec::new();
    for goal in &goals {
        let everything = TimeRange::default();
        progress.extend(every_page(|page| app.progress().list(user_id, &goal.goal_id, everything, page)).await?);
        for attachment in app.attachments().list(user_id, &goal.goal_id).await? {
            let download = app
                .blobs()
                .presign_download(&attachment.blob_key(), &attachment.content_type)
                .await?;
            attachments.push(ExportedAttachment {
                goal_id: goal.goal_id.clone(),
                attachment: AttachmentView::of(attachment, download.url, download.expires_at),
            });
        }
    }
    let notifications = every_page(|page| app.inbox().list(user_id, false, page)).await?;
    Ok(ExportDocument {
        export_id: export_id.to_owned(),
        user_id: user_id.to_owned(),
        created_at: millis(Utc::now()),
        profile,
        goals,
        progress,
        attachments,
        notifications,
    })
}

/// Every item of a listing, read [`PAGE`] items at a time.
async fn every_page<T, F, Fut>(mut list: F) -> Result<Vec<T>, StoreError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = list(PageRequest { limit: PAGE, after }).await?;
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}
