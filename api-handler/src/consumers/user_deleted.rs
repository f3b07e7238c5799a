//! `user.deleted` → purge everything the user owned.

use crate::prelude::*;
use crate::store::ports::StoreError;
use crate::use_cases::deletion;

/// A `user.deleted` event as its consumer reads it off the queue.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct UserDeleted {
    /// The event's id.
    #[garde(length(min = 1, max = 64))]
    event_id: String,
    /// The deleted user.
    #[garde(length(min = 1, max = 128))]
    user_id: String,
    /// Who they were.
    #[garde(dive)]
    data: DeletedAccount,
}

/// The `data` of `user.deleted`.
#[derive(Debug, Clone, Deserialize, Validate)]
struct DeletedAccount {
    /// The email the account signed in with.
    #[garde(length(min = 1, max = 254))]
    email: String,
}

/// Purge a deleted account: the identity provider's account, every stored
/// item, every blob. A redelivery resumes a purge cut short.
#[on_event("user.deleted")]
async fn user_deleted(app: App, Payload(event): Payload<UserDeleted>) -> Result<(), StoreError> {
    let purged = deletion::purge(&app, &event.user_id, &event.data.email).await?;
    tracing::info!(
        event_id = event.event_id,
        user_id = event.user_id,
        items = purged.items,
        blobs = purged.blobs,
        "purged a deleted account"
    );
    Ok(())
}
