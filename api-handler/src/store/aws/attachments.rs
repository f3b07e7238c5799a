//! Attachment records in DynamoDB: `ATT#{goalId}#{attachmentId}` items
//! beside their goal in the goals table.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::ReturnValue;

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::errors::store_error;
use super::goals::{goal_item_of, prefix_items};
use super::items::{attachment_from, attachment_item, attachment_sk, goal_sk, key, known_id};
use crate::domain::attachment::Attachment;
use crate::store::ports::{Attachments, StoreError, StoreResult};

/// The DynamoDB attachment store.
pub struct AwsAttachments {
    tables: Tables,
}

impl AwsAttachments {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsAttachments { tables }
    }
}

#[async_trait]
impl Attachments for AwsAttachments {
    async fn create(&self, attachment: &Attachment) -> StoreResult<()> {
        known_id(&attachment.goal_id, "goal")?;
        let tables = &self.tables;
        let writes = vec![
            // The goal must exist (and be the user's) when the record lands.
            Write::check(
                &tables.goals,
                key(&attachment.user_id, goal_sk(&attachment.goal_id)),
                "attribute_exists(sk)",
            ),
            Write::put(&tables.goals, attachment_item(attachment)).when("attribute_not_exists(sk)"),
        ];
        match tables.transact(&attachment.user_id, writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Err(StoreError::NotFound("goal"))
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("creating an attachment", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }

    async fn list(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>> {
        let tables = &self.tables;
        goal_item_of(tables, user_id, goal_id).await?;
        let items = prefix_items(tables, user_id, &format!("ATT#{goal_id}#")).await?;
        items.iter().map(attachment_from).collect()
    }

    async fn delete(&self, user_id: &str, goal_id: &str, attachment_id: &str) -> StoreResult<Attachment> {
        known_id(goal_id, "attachment")?;
        known_id(attachment_id, "attachment")?;
        let result = self
            .tables
            .client
            .delete_item()
            .table_name(&self.tables.goals)
            .set_key(Some(key(user_id, attachment_sk(goal_id, attachment_id))))
            .condition_expression("attribute_exists(sk)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => attachment_from(&output.attributes.unwrap_or_default()),
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(StoreError::NotFound("attachment"))
            }
            Err(err) => Err(store_error("DeleteItem", err)),
        }
    }
}
