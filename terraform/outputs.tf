output "api_endpoint" {
  description = "Base URL of the HTTP API."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "deployed_image_tag" {
  description = "Image tag the Lambda runs; absent until a deploy with deploy_lambda = true. Deploy phase 1 re-applies it."
  value       = var.deploy_lambda ? var.image_tag : null
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
