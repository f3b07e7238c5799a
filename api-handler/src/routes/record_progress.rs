//! `POST /goals/{goalId}/progress`.

use crate::domain::progress::{NewProgress, ProgressEntry};
use crate::idempotency::IdempotencyKey;
use crate::prelude::*;
use crate::use_cases::progress;

/// Log progress on a goal; an `Idempotency-Key` makes retries safe.
#[route("POST /goals/{goalId}/progress")]
async fn record_progress(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    key: IdempotencyKey,
    Json(new): Json<NewProgress>,
) -> Result<Created<ProgressEntry>, ApiError> {
    let entry = progress::record(&app, &user.id, &goal_id, &key, new).await?;
    let location = format!("/goals/{goal_id}/progress/{}", entry.entry_id);
    Ok(Created::new(location, entry))
}
