//! `Exports`: the state of each user's data export (its document is a blob).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;
use crate::domain::events::DomainEvent;
use crate::domain::export::Export;

/// Each user's current export.
#[async_trait]
pub trait Exports: Send + Sync {
    /// The user's current export, if any.
    async fn get(&self, user_id: &str) -> StoreResult<Option<Export>>;
    /// Makes `export` the user's current one and commits `events` (its
    /// `user.export_requested`) with it, if the current one is still
    /// `replacing` (`None`: there is none); `false` when another request
    /// replaced it first, and nothing is written.
    async fn start(
        &self,
        user_id: &str,
        export: &Export,
        replacing: Option<&str>,
        events: &[DomainEvent],
    ) -> StoreResult<bool>;
    /// Marks the export `export_id` ready at `at`; `NotFound("export")` when
    /// it is no longer the user's current one.
    async fn finish(&self, user_id: &str, export_id: &str, at: DateTime<Utc>) -> StoreResult<()>;
}
