//! `Profiles`: one profile per user, created at registration.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::domain::events::DomainEvent;
use crate::domain::profile::Profile;

/// User profiles.
#[async_trait]
pub trait Profiles: Send + Sync {
    /// Stores a new profile with its events (`user.registered`) and returns
    /// `true`. When the user has one already, keeps it, writes nothing and
    /// returns `false`: retrying a registration is safe.
    async fn create(&self, profile: Profile, events: &[DomainEvent]) -> StoreResult<bool>;
    /// The user's profile, or `NotFound("user")`.
    async fn get(&self, user_id: &str) -> StoreResult<Profile>;
    /// Replaces the stored profile with `profile` (same user).
    async fn replace(&self, profile: Profile) -> StoreResult<Profile>;
}
