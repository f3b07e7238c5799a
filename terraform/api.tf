# The HTTP API, its one Lambda integration and the Cognito JWT authorizer.
# The routes themselves are generated into routes.gen.tf by `cargo xtask gen-routes`.

resource "aws_apigatewayv2_api" "http" {
  name          = "${local.name}-http"
  protocol_type = "HTTP"

  # Browsers on allowed_origins only; API Gateway answers the preflights.
  dynamic "cors_configuration" {
    for_each = length(var.allowed_origins) > 0 ? [var.allowed_origins] : []

    content {
      allow_origins  = cors_configuration.value
      allow_methods  = ["GET", "POST", "PUT", "PATCH", "DELETE"]
      allow_headers  = ["authorization", "content-type", "idempotency-key", "if-match"]
      expose_headers = ["etag", "location", "retry-after", "x-request-id"]
      max_age        = 3600
    }
  }
}

resource "aws_cloudwatch_log_group" "api_access" {
  # checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; access logs hold request ids, route keys, statuses and source IPs, never tokens or bodies.
  name              = "/aws/apigateway/${local.name}-http"
  retention_in_days = var.log_retention_days
}

# `$default` stage: paths reach the Lambda without a stage prefix.
resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      latency            = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
    })
  }

  default_route_settings {
    throttling_burst_limit = var.api_throttle_burst
    throttling_rate_limit  = var.api_throttle_rate
  }
}

# Verifies Cognito access tokens before the Lambda runs; the handler reads
# the verified claims from the request context.
resource "aws_apigatewayv2_authorizer" "cognito" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = "https://${aws_cognito_user_pool.users.endpoint}"
    audience = [aws_cognito_user_pool_client.app.id]
  }
}

resource "aws_apigatewayv2_integration" "lambda" {
  count = var.deploy_lambda ? 1 : 0

  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.api[0].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

# Only this API's routes may invoke the function.
resource "aws_lambda_permission" "api_gateway" {
  count = var.deploy_lambda ? 1 : 0

  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}
