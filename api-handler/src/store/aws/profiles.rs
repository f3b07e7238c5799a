//! Profiles in DynamoDB: the `PROFILE` item of the users table.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::errors::store_error;
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
        match tables.transact(writes).await {
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
        let result = self
            .tables
            .client
            .update_item()
            .table_name(&self.tables.users)
            .set_key(Some(key(&profile.user_id, PROFILE)))
            .update_expression("SET #name = :name, #zone = :zone, #updated = :updated")
            .condition_expression("attribute_exists(sk)")
            .expression_attribute_names("#name", "displayName")
            .expression_attribute_names("#zone", "timezone")
            .expression_attribute_names("#updated", "updatedAt")
            .expression_attribute_values(":name", s(&profile.display_name))
            .expression_attribute_values(":zone", s(&profile.timezone))
            .expression_attribute_values(":updated", s(timestamp(profile.updated_at)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(profile),
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(StoreError::NotFound("user"))
            }
            Err(err) => Err(store_error("UpdateItem", err)),
        }
    }
}
