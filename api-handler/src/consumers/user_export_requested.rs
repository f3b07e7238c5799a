//! `user.export_requested` → the export document.

use crate::prelude::*;
use crate::store::ports::StoreError;
use crate::use_cases::export;

/// A `user.export_requested` event as its consumer reads it off the queue.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct ExportRequested {
    /// Whose data.
    #[garde(length(min = 1, max = 128))]
    user_id: String,
    /// Which export.
    #[garde(dive)]
    data: RequestedExport,
}

/// The `data` of `user.export_requested`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct RequestedExport {
    /// The export's id.
    #[garde(length(min = 1, max = 64))]
    export_id: String,
}

/// Write the export document of everything the user owns.
#[on_event("user.export_requested")]
async fn user_export_requested(app: App, Payload(event): Payload<ExportRequested>) -> Result<(), StoreError> {
    export::prepare(&app, &event.user_id, &event.data.export_id).await
}
