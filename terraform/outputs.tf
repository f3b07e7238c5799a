output "api_endpoint" {
  description = "Base URL of the HTTP API."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "ecr_repository_url" {
  description = "Where deploy phase 2 pushes the api-handler image."
  value       = aws_ecr_repository.api_handler.repository_url
}

output "user_pool_id" {
  description = "Cognito user pool id (USER_POOL_ID)."
  value       = aws_cognito_user_pool.users.id
}

output "user_pool_client_id" {
  description = "Cognito app client id (USER_POOL_CLIENT_ID)."
  value       = aws_cognito_user_pool_client.app.id
}
