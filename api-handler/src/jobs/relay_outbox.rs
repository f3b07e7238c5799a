//! `relay_outbox`: the outbox's safety net.

use crate::prelude::*;
use crate::store::ports::StoreError;

/// Publish the domain events the outbox still holds: those a crash or a
/// queue outage kept from being published right after their commit.
#[schedule("rate(1 minute)")]
async fn relay_outbox(app: App) -> Result<(), StoreError> {
    let relayed = app.relay().run_once().await?;
    if relayed > 0 {
        tracing::info!(relayed, "published events left in the outbox");
    }
    Ok(())
}
