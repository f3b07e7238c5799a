//! DynamoDB plumbing the adapters share: the tables, transactional writes
//! with their cancellation reasons, full queries and batched deletes.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update, WriteRequest,
};

use super::errors::{RETRY_AFTER_SECS, store_error};
use super::items::{EXPIRES_AT, Item, PK, REVOKED_SK, SK, key, n, s};
use crate::store::ports::{StoreError, StoreResult};

/// The DynamoDB client and the names of the three tables.
#[derive(Clone)]
pub(crate) struct Tables {
    /// The client, built once.
    pub(crate) client: Client,
    /// Profiles, idempotency records, the outbox.
    pub(crate) users: String,
    /// Goals, progress entries, attachment records, "target reached" marks.
    pub(crate) goals: String,
    /// Counters and goal-day aggregates.
    pub(crate) aggregates: String,
}

/// How long a transaction's receipt is kept (DynamoDB's TTL removes it
/// later): far longer than the SDK's retries of one call.
pub(crate) const RECEIPT_SECS: i64 = 3_600;
/// The sort key prefix of transaction receipts.
const RECEIPT_PREFIX: &str = "txn#";

/// The most items DynamoDB takes in one `BatchWriteItem`.
const BATCH_SIZE: usize = 25;
/// How often unprocessed batch items are retried before giving up.
const BATCH_ATTEMPTS: u32 = 5;

/// What a transactional write does to one item.
enum Action {
    Put(Item),
    Update { key: Item, expression: String },
    Delete(Item),
    Check(Item),
}

/// One item of a `TransactWriteItems`, with its condition.
pub(crate) struct Write {
    table: String,
    action: Action,
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    return_old: bool,
}

impl Write {
    fn new(table: &str, action: Action) -> Write {
        Write {
            table: table.to_owned(),
            action,
            condition: None,
            names: HashMap::new(),
            values: HashMap::new(),
            return_old: false,
        }
    }

    /// Puts `item`.
    pub(crate) fn put(table: &str, item: Item) -> Write {
        Write::new(table, Action::Put(item))
    }

    /// Updates the item at `key` with `expression`.
    pub(crate) fn update(table: &str, key: Item, expression: impl Into<String>) -> Write {
        Write::new(
            table,
            Action::Update {
                key,
                expression: expression.into(),
            },
        )
    }

    /// Deletes the item at `key`.
    pub(crate) fn delete(table: &str, key: Item) -> Write {
        Write::new(table, Action::Delete(key))
    }

    /// Only checks `condition` on the item at `key`.
    pub(crate) fn check(table: &str, key: Item, condition: &str) -> Write {
        Write::new(table, Action::Check(key)).when(condition)
    }

    /// Cancels the transaction unless `condition` holds.
    pub(crate) fn when(mut self, condition: &str) -> Write {
        self.condition = Some(condition.to_owned());
        self
    }

    /// Binds the placeholder `#name` to an attribute name.
    pub(crate) fn name(mut self, placeholder: &str, attribute: &str) -> Write {
        self.names.insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    /// Binds the placeholder `:value`.
    pub(crate) fn value(mut self, placeholder: &str, value: AttributeValue) -> Write {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// On a failed condition, the cancellation reason carries the stored item.
    pub(crate) fn return_old_on_failure(mut self) -> Write {
        self.return_old = true;
        self
    }

    fn build(self) -> StoreResult<TransactWriteItem> {
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        let on_failure = self.return_old.then_some(ReturnValuesOnConditionCheckFailure::AllOld);
        let condition = self.condition;
        // The four builders are different types with the same condition setters.
        macro_rules! conditioned {
            ($builder:expr) => {
                $builder
                    .table_name(self.table)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
            };
        }
        let built = match self.action {
            Action::Put(item) => conditioned!(Put::builder().set_item(Some(item)))
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build()),
            Action::Update { key, expression } => {
                conditioned!(Update::builder().set_key(Some(key)).update_expression(expression))
                    .build()
                    .map(|update| TransactWriteItem::builder().update(update).build())
            }
            Action::Delete(key) => conditioned!(Delete::builder().set_key(Some(key)))
                .build()
                .map(|delete| TransactWriteItem::builder().delete(delete).build()),
            Action::Check(key) => conditioned!(ConditionCheck::builder().set_key(Some(key)))
                .build()
                .map(|check| TransactWriteItem::builder().condition_check(check).build()),
        };
        built.map_err(|err| StoreError::Internal(format!("cannot build a transactional write: {err}")))
    }
}

/// Why one item of a cancelled transaction failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reason {
    /// `ConditionalCheckFailed`, `TransactionConflict`, `None` (this item was fine), …
    pub(crate) code: Option<String>,
    /// The stored item, for writes that asked for it.
    pub(crate) item: Option<Item>,
}

impl Reason {
    /// Whether this item's condition failed.
    pub(crate) fn condition_failed(&self) -> bool {
        self.code.as_deref() == Some("ConditionalCheckFailed")
    }

    /// Whether this item was being changed by another transaction.
    pub(crate) fn conflicted(&self) -> bool {
        self.code.as_deref() == Some("TransactionConflict")
    }

    /// Whether DynamoDB was too busy for this item.
    fn throttled(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded")
        )
    }
}

/// A cancelled transaction no caller expected: `Unavailable` when it
/// collided or was throttled, else `Internal` with the reasons, for the log.
pub(crate) fn cancelled(what: &str, reasons: &[Reason]) -> StoreError {
    if reasons.iter().any(|r| r.conflicted() || r.throttled()) {
        return StoreError::Unavailable {
            reason: format!("{what} collided with other writes"),
            retry_after_secs: RETRY_AFTER_SECS,
        };
    }
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_deref().unwrap_or("?")).collect();
    StoreError::Internal(format!("{what} was cancelled: {}", codes.join(", ")))
}

/// A transactional write that did not commit.
#[derive(Debug)]
pub(crate) enum TransactError {
    /// Cancelled: one reason per write, in order.
    Cancelled(Vec<Reason>),
    /// Failed for another reason.
    Store(StoreError),
}

impl From<StoreError> for TransactError {
    fn from(err: StoreError) -> Self {
        TransactError::Store(err)
    }
}

impl Tables {
    /// A consistent query of `user_id`'s items in `table` whose sort key starts with `prefix`.
    pub(crate) fn prefix_query(&self, table: &str, user_id: &str, prefix: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(user_id))
            .expression_attribute_values(":prefix", s(prefix))
    }

    /// A consistent query of `user_id`'s items in `table` whose sort key is in `[low, high]`.
    pub(crate) fn range_query(&self, table: &str, user_id: &str, low: &str, high: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(user_id))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
    }

    /// Writes every item of `user_id`'s data or none. The transaction also
    /// checks the user's tombstone: once the account is deleted it fails
    /// with `NotFound("account")`, so no write outlives the purge. The
    /// reasons of a cancelled transaction are the callers' writes', in order.
    ///
    /// It also writes a receipt of its own (a fresh id, kept for
    /// [`RECEIPT_SECS`]), so that an attempt the SDK sends again after the
    /// first one's answer was lost (a dropped connection, a timed-out
    /// attempt) and that is cancelled because the first one was applied
    /// reads as the success it is, instead of as a conflict with itself.
    pub(crate) async fn transact(&self, user_id: &str, mut writes: Vec<Write>) -> Result<(), TransactError> {
        writes.push(Write::check(
            &self.users,
            key(user_id, REVOKED_SK),
            "attribute_not_exists(deletedAt)",
        ));
        writes.push(receipt(&self.users, user_id));
        match self.transact_items(writes).await {
            Err(TransactError::Cancelled(mut reasons)) => {
                let receipt = reasons.pop();
                if receipt.is_some_and(|reason| reason.condition_failed()) {
                    return Ok(());
                }
                let tombstone = reasons.pop();
                if tombstone.is_some_and(|reason| reason.condition_failed()) {
                    return Err(TransactError::Store(StoreError::NotFound("account")));
                }
                Err(TransactError::Cancelled(reasons))
            }
            other => other,
        }
    }

    /// Writes every item or none, unfenced and without a receipt: for the
    /// tombstone itself.
    pub(crate) async fn transact_items(&self, writes: Vec<Write>) -> Result<(), TransactError> {
        let items = writes.into_iter().map(Write::build).collect::<StoreResult<Vec<_>>>()?;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    Err(TransactError::Cancelled(
                        cancelled
                            .cancellation_reasons()
                            .iter()
                            .map(|reason| Reason {
                                code: reason.code().map(str::to_owned),
                                item: reason.item().cloned(),
                            })
                            .collect(),
                    ))
                }
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    Err(TransactError::Store(StoreError::Unavailable {
                        reason: "TransactWriteItems is still in progress".to_owned(),
                        retry_after_secs: RETRY_AFTER_SECS,
                    }))
                }
                _ => Err(TransactError::Store(store_error("TransactWriteItems", err))),
            },
        }
    }

    /// The item at `key` of `table`, read consistently.
    pub(crate) async fn get(&self, table: &str, key: Item) -> StoreResult<Option<Item>> {
        let output = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| store_error("GetItem", err))?;
        Ok(output.item)
    }

    /// Every item `query` returns, following `LastEvaluatedKey` to the end.
    pub(crate) async fn query_all(&self, query: QueryFluentBuilder) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| store_error("Query", err))?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(last) if !last.is_empty() => start = Some(last),
                _ => return Ok(items),
            }
        }
    }

    /// Deletes the items at `keys` of `table`, in batches; unprocessed items
    /// are retried a few times with a growing pause, then `Unavailable`.
    pub(crate) async fn delete_all(&self, table: &str, keys: Vec<Item>) -> StoreResult<()> {
        let requests: Vec<WriteRequest> = keys
            .into_iter()
            .map(|key| {
                DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map(|delete| WriteRequest::builder().delete_request(delete).build())
                    .map_err(|err| StoreError::Internal(format!("cannot build a delete request: {err}")))
            })
            .collect::<StoreResult<_>>()?;
        for chunk in requests.chunks(BATCH_SIZE) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                if attempt == BATCH_ATTEMPTS {
                    return Err(StoreError::Unavailable {
                        reason: "BatchWriteItem kept leaving items unprocessed".to_owned(),
                        retry_after_secs: RETRY_AFTER_SECS,
                    });
                }
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
                attempt += 1;
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(table, pending)
                    .send()
                    .await
                    .map_err(|err| store_error("BatchWriteItem", err))?;
                pending = output
                    .unprocessed_items
                    .and_then(|mut unprocessed| unprocessed.remove(table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }
}

/// A transaction's receipt in `users`: `user_id`'s item under a fresh id,
/// written only if absent (so that finding it there means this very
/// transaction was applied), removed by the table's TTL after
/// [`RECEIPT_SECS`].
fn receipt(users: &str, user_id: &str) -> Write {
    let mut item = key(user_id, format!("{RECEIPT_PREFIX}{}", crate::domain::new_id()));
    item.insert(EXPIRES_AT.to_owned(), n(chrono::Utc::now().timestamp() + RECEIPT_SECS));
    Write::put(users, item).when("attribute_not_exists(sk)")
}
