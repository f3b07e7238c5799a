//! `relay_outbox`: the outbox's safety net.

use crate::prelude::*;
use crate::store::ports::StoreError;

/// Publish the domain events the outbox still holds: those a crash or a
/// queue outage kept from being published right after their commit.
#[schedule("rate(1 minute)")]
async fn relay_outbox(app: App) -> Result<(), StoreError> {
    // What the publish after each commit left behind: zero unless events
    // failed to reach the queue. Reported on every run, so the alarm on it
    // sees a run of zeros, not missing data.
    let backlog = app.relay().backlog().await?;
    tracing::info!(
        job = "relay_outbox",
        outbox_backlog = backlog,
        _aws = app.backlog_metrics(),
        "outbox backlog"
    );
    let relayed = app.relay().run_once().await?;
    if relayed > 0 {
        tracing::info!(relayed, "published events left in the outbox");
    }
    Ok(())
}
