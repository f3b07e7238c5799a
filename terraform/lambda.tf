# The one Lambda: a container image from ECR serving HTTP (API Gateway) and
# the outbox relay schedule (messaging.tf). Its role is in iam.tf.

resource "aws_ecr_repository" "api_handler" {
  name                 = "${local.name}-api-handler"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

# Deploys push one image per commit: keep the last 30, drop untagged layers.
resource "aws_ecr_lifecycle_policy" "api_handler" {
  repository = aws_ecr_repository.api_handler.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Drop untagged images after a day"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 1
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the 30 most recent images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = 30
        }
        action = { type = "expire" }
      },
    ]
  })
}

# Lambda pulls the image with this repository's permission, for this
# stack's functions in this account only.
data "aws_iam_policy_document" "ecr_lambda_pull" {
  statement {
    sid     = "LambdaECRImageRetrievalPolicy"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:lambda:${var.region}:${data.aws_caller_identity.current.account_id}:function:${local.name}-*"]
    }
  }
}

resource "aws_ecr_repository_policy" "api_handler" {
  repository = aws_ecr_repository.api_handler.name
  policy     = data.aws_iam_policy_document.ecr_lambda_pull.json
}

resource "aws_cloudwatch_log_group" "lambda" {
  # checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; the logs hold request ids, routes and statuses, never bodies, tokens or secrets.
  name              = "/aws/lambda/${local.name}-api"
  retention_in_days = var.log_retention_days
}

# Signs listing cursors; the same for every instance of the function.
resource "random_password" "cursor_secret" {
  length  = 48
  special = false
}

resource "aws_lambda_function" "api" {
  # checkov:skip=CKV_AWS_117:Reaches only public AWS endpoints (DynamoDB, Cognito, S3, SQS over TLS, IAM-authorised); a VPC would add NAT or endpoints and cold-start cost for no isolation gained.
  # checkov:skip=CKV_AWS_116:Its only asynchronous invoker is the every-minute outbox relay schedule; a failed run is simply redone by the next one, so a dead-letter queue would hold nothing to act on.
  # checkov:skip=CKV_AWS_115:The API stage's throttling (api_throttle_rate, api_throttle_burst) bounds concurrency; reserving some would fail outright on new accounts, whose concurrency quota is 10.
  # checkov:skip=CKV_AWS_272:Code signing applies to .zip packages only; this function is a container image from an immutable-tag, scanned ECR repository.
  # checkov:skip=CKV_AWS_173:Environment variables are encrypted at rest with the Lambda service key; the only secret among them (the cursor-signing key) is readable only by principals that can already change the function.
  count = var.deploy_lambda ? 1 : 0

  function_name = "${local.name}-api"
  description   = "HTTP API and outbox relay (api-handler ${var.image_tag})"
  role          = aws_iam_role.lambda.arn
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.api_handler.repository_url}:${var.image_tag}"
  architectures = [var.lambda_architecture]
  memory_size   = var.lambda_memory_mb
  timeout       = var.lambda_timeout_seconds

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  tracing_config {
    mode = "Active"
  }

  environment {
    variables = {
      APP_BACKEND             = "aws"
      USERS_TABLE_NAME        = aws_dynamodb_table.users.name
      GOALS_TABLE_NAME        = aws_dynamodb_table.goals.name
      AGGREGATES_TABLE_NAME   = aws_dynamodb_table.aggregates.name
      ATTACHMENTS_BUCKET_NAME = aws_s3_bucket.attachments.id
      NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.notifications.url
      USER_POOL_ID            = aws_cognito_user_pool.users.id
      USER_POOL_CLIENT_ID     = aws_cognito_user_pool_client.app.id
      APP_CURSOR_SECRET       = random_password.cursor_secret.result
      METRICS_NAMESPACE       = local.metrics_namespace
    }
  }

  lifecycle {
    precondition {
      condition     = var.image_tag != ""
      error_message = "deploy_lambda = true needs image_tag (the pushed image's commit SHA)."
    }
  }

  depends_on = [
    aws_iam_role_policy.lambda_logs,
    aws_iam_role_policy.lambda_stores,
    aws_iam_role_policy.lambda_tracing,
    aws_ecr_repository_policy.api_handler,
  ]
}
