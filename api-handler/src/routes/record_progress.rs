//! `POST /goals/{goalId}/progress`.

use chrono::Utc;

use crate::domain::progress::{NewProgress, ProgressEntry};
use crate::domain::stats;
use crate::prelude::*;
use crate::store::ports::{IdempotencyKey, ProgressDraft, StoreError};

/// Longest accepted `Idempotency-Key`.
const MAX_KEY_LENGTH: usize = 255;

/// Log progress on a goal; an `Idempotency-Key` makes retries safe.
#[route("POST /goals/{goalId}/progress")]
async fn record_progress(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    headers: Headers,
    Json(progress): Json<NewProgress>,
) -> Result<Created<ProgressEntry>, ApiError> {
    let idempotency = match headers.0.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value.to_str().unwrap_or_default().trim();
            if key.is_empty() || key.len() > MAX_KEY_LENGTH {
                return Err(ApiError::bad_request(
                    "Idempotency-Key must be 1 to 255 visible characters",
                ));
            }
            let fingerprint = format!("{goal_id}|{}|{:?}|{:?}", progress.value, progress.note, progress.at);
            Some(IdempotencyKey {
                key: key.to_owned(),
                fingerprint,
            })
        }
    };
    let at = progress.at(Utc::now())?;
    // Days are the user's; a profile a cut-short registration left out counts in UTC.
    let time_zone = match app.profiles().get(&user.id).await {
        Ok(profile) => profile.time_zone(),
        Err(StoreError::NotFound(_)) => chrono_tz::UTC,
        Err(err) => return Err(err.into()),
    };
    let draft = ProgressDraft {
        value: progress.value,
        note: progress.note,
        at,
        day: stats::local_date(at, time_zone),
    };
    let recorded = app.progress().record(&user.id, &goal_id, draft, idempotency).await?;
    app.relay().deliver(&recorded.events).await;
    let entry = recorded.entry;
    let location = format!("/goals/{goal_id}/progress/{}", entry.entry_id);
    Ok(Created::new(location, entry))
}
