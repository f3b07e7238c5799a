//! Profiles in SQLite, one row per account.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::db::{CachedQuery, Db, db_error, ts};
use super::outbox;
use crate::domain::events::DomainEvent;
use crate::domain::profile::Profile;
use crate::store::ports::{Profiles, StoreError, StoreResult};

/// The `profiles` table.
pub struct EmbeddedProfiles {
    db: Db,
}

impl EmbeddedProfiles {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedProfiles { db }
    }
}

fn read_profile(tx: &rusqlite::Transaction<'_>, user_id: &str) -> StoreResult<Option<Profile>> {
    tx.query_row_cached(
        "SELECT user_id, email, display_name, timezone, created_at, updated_at FROM profiles WHERE user_id = ?1",
        [user_id],
        |row| {
            Ok(Profile {
                user_id: row.get(0)?,
                email: row.get(1)?,
                display_name: row.get(2)?,
                timezone: row.get(3)?,
                created_at: row.get(4)?,
                updated_at: row.get(5)?,
            })
        },
    )
    .optional()
    .map_err(db_error)
}

#[async_trait]
impl Profiles for EmbeddedProfiles {
    async fn create(&self, profile: Profile, events: &[DomainEvent]) -> StoreResult<bool> {
        let events = events.to_vec();
        self.db
            .write_as(&profile.user_id.clone(), move |tx| {
                if read_profile(tx, &profile.user_id)?.is_some() {
                    return Ok(false);
                }
                let inserted = tx
                    .execute(
                        "INSERT INTO profiles (user_id, email, display_name, timezone, created_at, updated_at)
                         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM users WHERE user_id = ?1)",
                        params![
                            profile.user_id,
                            profile.email,
                            profile.display_name,
                            profile.timezone,
                            ts(profile.created_at),
                            ts(profile.updated_at)
                        ],
                    )
                    .map_err(db_error)?;
                if inserted == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                outbox::append(tx, &events)?;
                Ok(true)
            })
            .await
    }

    async fn get(&self, user_id: &str) -> StoreResult<Profile> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| read_profile(tx, &user_id)?.ok_or(StoreError::NotFound("user")))
            .await
    }

    async fn replace(&self, profile: Profile) -> StoreResult<Profile> {
        self.db
            .write_as(&profile.user_id.clone(), move |tx| {
                let changed = tx
                    .execute(
                        "UPDATE profiles SET display_name = ?1, timezone = ?2, updated_at = ?3 WHERE user_id = ?4",
                        params![
                            profile.display_name,
                            profile.timezone,
                            ts(profile.updated_at),
                            profile.user_id
                        ],
                    )
                    .map_err(db_error)?;
                if changed == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                Ok(profile)
            })
            .await
    }
}
