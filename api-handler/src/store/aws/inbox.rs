//! The notifications inbox in DynamoDB: a `NOTE#{id}` item per
//! notification in the users table, and a copy under `UNREAD#{id}` while
//! it is unread, so both listings are one consistent query of the user's
//! partition, newest first.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::items::{
    EXPIRES_AT, Item, PK, SK, enum_name, get_enum, get_opt_s, get_s, get_time, key, known_id, n, s, timestamp,
};
use super::paging::{self, Listing};
use crate::domain::notification::Notification;
use crate::store::ports::{Inbox, Page, PageRequest, StoreError, StoreResult};

/// Sort-key prefix of every notification.
const NOTE: &str = "NOTE#";
/// Sort-key prefix of the unread copies.
const UNREAD: &str = "UNREAD#";

/// The DynamoDB inbox.
pub struct AwsInbox {
    tables: Tables,
}

impl AwsInbox {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsInbox { tables }
    }
}

/// The item of `notification` under `prefix`, which DynamoDB's TTL deletes
/// after `expires_at`.
fn notification_item(user_id: &str, prefix: &str, note: &Notification, expires_at: DateTime<Utc>) -> Item {
    let mut item = key(user_id, format!("{prefix}{}", note.notification_id));
    item.extend([
        (EXPIRES_AT.to_owned(), n(expires_at.timestamp())),
        ("notificationId".to_owned(), s(&note.notification_id)),
        ("type".to_owned(), s(enum_name(&note.kind))),
        ("title".to_owned(), s(&note.title)),
        ("body".to_owned(), s(&note.body)),
        ("createdAt".to_owned(), s(timestamp(note.created_at))),
    ]);
    if let Some(goal_id) = &note.goal_id {
        item.insert("goalId".to_owned(), s(goal_id));
    }
    if let Some(read_at) = note.read_at {
        item.insert("readAt".to_owned(), s(timestamp(read_at)));
    }
    item
}

fn notification_from(item: &Item) -> StoreResult<Notification> {
    Ok(Notification {
        notification_id: get_s(item, "notificationId")?,
        kind: get_enum(item, "type")?,
        title: get_s(item, "title")?,
        body: get_s(item, "body")?,
        goal_id: get_opt_s(item, "goalId")?,
        created_at: get_time(item, "createdAt")?,
        read_at: get_opt_s(item, "readAt")?
            .map(|_| get_time(item, "readAt"))
            .transpose()?,
    })
}

#[async_trait]
impl Inbox for AwsInbox {
    async fn add(&self, user_id: &str, notification: &Notification, expires_at: DateTime<Utc>) -> StoreResult<bool> {
        let tables = &self.tables;
        let mut writes = vec![
            Write::put(
                &tables.users,
                notification_item(user_id, NOTE, notification, expires_at),
            )
            .when("attribute_not_exists(sk)"),
        ];
        if notification.read_at.is_none() {
            writes.push(Write::put(
                &tables.users,
                notification_item(user_id, UNREAD, notification, expires_at),
            ));
        }
        match tables.transact(user_id, writes).await {
            Ok(()) => Ok(true),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Ok(false)
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("adding a notification", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }

    async fn list(&self, user_id: &str, unread_only: bool, request: PageRequest) -> StoreResult<Page<Notification>> {
        let prefix = if unread_only { UNREAD } else { NOTE };
        paging::page(
            Listing {
                // TTL deletes expired items up to days late: until then
                // they are skipped. (Items from before notifications expired
                // have no `expiresAt`, and stay.)
                query: self
                    .tables
                    .prefix_query(&self.tables.users, user_id, prefix)
                    .filter_expression("attribute_not_exists(#expires) OR #expires > :now")
                    .expression_attribute_names("#expires", EXPIRES_AT)
                    .expression_attribute_values(":now", n(Utc::now().timestamp()))
                    .scan_index_forward(false),
                user_id,
                key_names: &[PK, SK],
                request,
            },
            notification_from,
        )
        .await
    }

    async fn mark_read(&self, user_id: &str, notification_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        known_id(notification_id, "notification")?;
        let tables = &self.tables;
        let writes = vec![
            Write::update(
                &tables.users,
                key(user_id, format!("{NOTE}{notification_id}")),
                "SET #read = if_not_exists(#read, :at)",
            )
            .when("attribute_exists(sk)")
            .name("#read", "readAt")
            .value(":at", s(timestamp(at))),
            Write::delete(&tables.users, key(user_id, format!("{UNREAD}{notification_id}"))),
        ];
        match tables.transact(user_id, writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Err(StoreError::NotFound("notification"))
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("marking a notification read", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }
}
