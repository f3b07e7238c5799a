output "api_endpoint" {
  description = "Base URL of the HTTP API."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API: `cargo xtask drift --api-id` compares its routes with the registry after deploy phase 3."
  value       = aws_apigatewayv2_api.http.id
}

# The tag of the image the function runs, read from the function itself (the
# part of its image_uri after the last ":"), not from var.image_tag: an apply
# whose function update fails never evaluates this output, so it keeps the
# previous image's tag, and the next deploy's phase 1 re-applies an image
# that worked rather than the failed one. Null while there is no function
# (deploy_lambda = false, the first deploy's phase 1), which deploy phase 1
# reads as "no Lambda deployed yet". A test in `cargo xtask test`
# (xtask/src/infra/outputs.rs) evaluates this expression.
output "deployed_image_tag" {
  description = "Image tag the Lambda runs (from its image_uri); absent while there is no Lambda. Deploy phase 1 re-applies it."
  value       = one([for uri in aws_lambda_function.api[*].image_uri : reverse(split(":", uri))[0]])
}

output "ecr_repository_url" {
  description = "Where deploy phase 2 pushes the api-handler image."
  value       = aws_ecr_repository.api_handler.repository_url
}

output "tables" {
  description = "DynamoDB table names (USERS_TABLE_NAME, GOALS_TABLE_NAME, AGGREGATES_TABLE_NAME)."
  value = {
    users      = aws_dynamodb_table.users.name
    goals      = aws_dynamodb_table.goals.name
    aggregates = aws_dynamodb_table.aggregates.name
  }
}

output "attachments_bucket" {
  description = "S3 bucket of attachments (ATTACHMENTS_BUCKET_NAME)."
  value       = aws_s3_bucket.attachments.id
}

output "notifications_queue_url" {
  description = "SQS FIFO queue of domain events (NOTIFICATIONS_QUEUE_URL)."
  value       = aws_sqs_queue.notifications.url
}

output "user_pool_id" {
  description = "Cognito user pool id (USER_POOL_ID)."
  value       = aws_cognito_user_pool.users.id
}

output "user_pool_client_id" {
  description = "Cognito app client id (USER_POOL_CLIENT_ID)."
  value       = aws_cognito_user_pool_client.app.id
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (alarms.tf): subscribe more endpoints (chat, paging) to it."
  value       = aws_sns_topic.alarms.arn
}
