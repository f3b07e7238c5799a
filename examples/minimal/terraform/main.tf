# The minimal app's infrastructure: one Lambda behind an HTTP API, a queue
# its consumer reads, and (generated beside this file by `cargo xtask
# gen-routes`) one API Gateway route per #[route], the queue's event source
# and one EventBridge rule per #[schedule] job.

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "name" {
  description = "Prefix of every resource name, and of the jobs' rule names (at most 32 characters)."
  type        = string
  default     = "minimal"
}

variable "region" {
  description = "The AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "package" {
  description = "The Lambda's zip: the `minimal` binary built for Lambda, named `bootstrap`."
  type        = string
  default     = "bootstrap.zip"
}

variable "jwt_issuer" {
  description = "The issuer of the tokens routes that require a user accept (a Cognito user pool's, say)."
  type        = string
  default     = "https://cognito-idp.eu-west-1.amazonaws.com/POOL_ID"
}

variable "jwt_audience" {
  description = "The audiences (app client ids) those tokens carry."
  type        = list(string)
  default     = ["CLIENT_ID"]
}

provider "aws" {
  region = var.region
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "main" {
  name               = "${var.name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.main.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }
}

resource "aws_iam_role_policy" "queue" {
  name   = "${var.name}-queue"
  role   = aws_iam_role.main.id
  policy = data.aws_iam_policy_document.queue.json
}

resource "aws_lambda_function" "main" {
  function_name    = var.name
  role             = aws_iam_role.main.arn
  filename         = var.package
  source_code_hash = filebase64sha256(var.package)
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = 128
  timeout          = 10
}

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${var.name}-events-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "events" {
  name                       = "${var.name}-events"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = 5
  })
}

resource "aws_apigatewayv2_api" "main" {
  name          = var.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "main" {
  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.main.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_authorizer" "main" {
  api_id           = aws_apigatewayv2_api.main.id
  name             = "${var.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }
}

resource "aws_apigatewayv2_stage" "main" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.main.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.main.execution_arn}/*/*"
}

output "api_endpoint" {
  description = "The API's URL."
  value       = aws_apigatewayv2_api.main.api_endpoint
}
