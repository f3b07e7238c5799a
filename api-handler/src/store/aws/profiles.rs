//! Profiles in DynamoDB: the `PROFILE` item of the users table.

use async_trait::async_trait;

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::items::{PROFILE, key, profile_from, profile_item, s, timestamp};
use super::outbox::outbox_writes;
use crate::domain::events::DomainEvent;
use crate::domain::profile::Profile;
use crate::store::ports::{Profiles, StoreError, StoreResult};

/// The DynamoDB profile store.
pub struct AwsProfiles {
    tables: Tables,
}

impl AwsProfiles {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsProfiles { tables }
    }
}

#[async_trait]
impl Profiles for AwsProfiles {
    async fn create(&self, profile: Profile, events: &[DomainEvent]) -> StoreResult<bool> {
        let tables = &self.tables;
        let mut writes = vec![Write::put(&tables.users, profile_item(&profile)).when("attribute_not_exists(sk)")];
        writes.extend(outbox_writes(tables, events)?);
        match tables.transact(&profile.user_id, writes).await {
            Ok(()) => Ok(true),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Ok(false)
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("creating a profile", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }

    async fn get(&self, user_id: &str) -> StoreResult<Profile> {
        let item = self
            .tables
            .get(&self.tables.users, key(user_id, PROFILE))
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        profile_from(&item)
    }

    async fn replace(&self, profile: Profile) -> StoreResult<Profile> {
        let tables = &self.tables;
        let update = Write::update(
            &tables.users,
            key(&profile.user_id, PROFILE),
            "SET #name = :name, #zone = :zone, #updated = :updated",
        )
        .when("attribute_exists(sk)")
        .name("#name", "displayName")
        .name("#zone", "timezone")
        .name("#updated", "updatedAt")
        .value(":name", s(&profile.display_name))
        .value(":zone", s(&profile.timezone))
        .value(":updated", s(timestamp(profile.updated_at)));
        match tables.transact(&profile.user_id, vec![update]).await {
            Ok(()) => Ok(profile),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Err(StoreError::NotFound("user"))
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("replacing a profile", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }
}
