//! `sweep_orphans`: what a goal's delete left behind.

use chrono::Duration;

use crate::domain::attachment::URL_LIFETIME;
use crate::prelude::*;
use crate::store::ports::StoreError;

/// Deleted goals swept per batch.
const BATCH: usize = 100;
/// Blobs deleted per call while emptying a goal's folder.
const BLOBS_PER_CALL: usize = 1000;

/// How long after a goal's delete the sweep takes its marker: past the
/// lifetime of any upload URL issued before it, so a late upload through
/// one has landed (and is swept) or can no longer land.
fn grace() -> Duration {
    URL_LIFETIME * 2
}

/// Finish the deletes of goals deleted at least [`grace`] ago: their
/// children a delete cut short left (aws), then their files (uploads that
/// landed after it, or a crash before its own), then their markers.
/// Doing it again deletes nothing.
#[schedule("rate(1 hour)")]
async fn sweep_orphans(app: App, EventTime(time): EventTime) -> Result<(), StoreError> {
    let (mut goals, mut items, mut blobs) = (0_usize, 0_usize, 0_usize);
    loop {
        let deleted = app.goals().deleted_before(time - grace(), BATCH).await?;
        for goal in &deleted {
            items += app.goals().purge_deleted(goal).await?;
            let folder = format!("{}/{}/", goal.user_id, goal.goal_id);
            loop {
                let removed = app.blobs().delete_under(&folder, BLOBS_PER_CALL).await?;
                if removed == 0 {
                    break;
                }
                blobs += removed;
            }
            app.goals().forget_deleted(goal).await?;
        }
        goals += deleted.len();
        if deleted.len() < BATCH {
            break;
        }
    }
    if goals > 0 {
        tracing::info!(goals, items, blobs, "swept what deleted goals left behind");
    }
    Ok(())
}
