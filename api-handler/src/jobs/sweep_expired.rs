//! `sweep_expired`: what has outlived its time.

use crate::prelude::*;
use crate::store::ports::StoreError;

/// Rows deleted per call.
const BATCH: usize = 1000;

/// Delete the rows that expired (notifications past their retention,
/// idempotency records past their window, …). The aws backend has none to
/// delete: DynamoDB's TTL does it, and reads skip what it has not yet.
#[schedule("rate(1 hour)")]
async fn sweep_expired(app: App, EventTime(time): EventTime) -> Result<(), StoreError> {
    let mut swept = 0;
    loop {
        let deleted = app.retention().sweep_expired(time, BATCH).await?;
        swept += deleted;
        if deleted == 0 {
            break;
        }
    }
    if swept > 0 {
        tracing::info!(swept, "deleted expired rows");
    }
    Ok(())
}
