//! One page of a DynamoDB query: `limit + 1` items tell whether more
//! follow; the continuation is the last item's key (or `LastEvaluatedKey`
//! when DynamoDB stopped early), which the API layer signs into the cursor.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::errors::store_error;
use super::items::{Item, continuation, continuation_from_key, start_key};
use crate::store::ports::{Page, PageRequest, StoreResult};

/// A listing query and where to continue it.
pub(crate) struct Listing<'a> {
    /// The query, without limit or start key.
    pub(crate) query: QueryFluentBuilder,
    /// Whose listing (a continuation must be theirs).
    pub(crate) user_id: &'a str,
    /// The key attributes of the table or index queried.
    pub(crate) key_names: &'a [&'a str],
    /// Which page.
    pub(crate) request: PageRequest,
}

/// Reads one page of `listing`, decoding each item with `decode`.
pub(crate) async fn page<T>(listing: Listing<'_>, decode: impl Fn(&Item) -> StoreResult<T>) -> StoreResult<Page<T>> {
    let limit = listing.request.limit;
    let start = listing
        .request
        .after
        .as_ref()
        .map(|after| start_key(after, listing.user_id, listing.key_names))
        .transpose()?;
    let output = listing
        .query
        .limit(i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX))
        .set_exclusive_start_key(start)
        .send()
        .await
        .map_err(|err| store_error("Query", err))?;
    let mut items = output.items.unwrap_or_default();
    let next = if items.len() > limit {
        items.truncate(limit);
        match items.last() {
            Some(last) => Some(continuation(last, listing.key_names)?),
            None => None,
        }
    } else {
        match output.last_evaluated_key {
            Some(last) if !last.is_empty() => Some(continuation_from_key(&last)?),
            _ => None,
        }
    };
    Ok(Page {
        items: items.iter().map(decode).collect::<StoreResult<_>>()?,
        next,
    })
}
