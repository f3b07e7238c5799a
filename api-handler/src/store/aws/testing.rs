//! For tests: writing many items at once, straight into the tables, where
//! going through the API would take too long (an account with 100,000
//! progress entries).

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use chrono::NaiveDate;

use super::items::entry_item;
use super::settings::AwsSettings;
use crate::domain::progress::ProgressEntry;

/// Stores `entries` of `user_id` (counted on `day`) in the goals table with
/// `BatchWriteItem`, as the adapter would store them, without touching the
/// goal or the aggregates.
pub async fn seed_progress(
    sdk: &aws_config::SdkConfig,
    settings: &AwsSettings,
    user_id: &str,
    entries: &[ProgressEntry],
    day: NaiveDate,
) -> Result<(), String> {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    for chunk in entries.chunks(25) {
        let mut pending = chunk
            .iter()
            .map(|entry| {
                PutRequest::builder()
                    .set_item(Some(entry_item(user_id, entry, day)))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(|err| err.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        while !pending.is_empty() {
            let output = client
                .batch_write_item()
                .request_items(&settings.goals_table, pending)
                .send()
                .await
                .map_err(|err| format!("BatchWriteItem: {}", aws_sdk_dynamodb::error::DisplayErrorContext(err)))?;
            pending = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&settings.goals_table))
                .unwrap_or_default();
        }
    }
    Ok(())
}
