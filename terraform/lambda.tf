# The one Lambda (container image from ECR) and its least-privilege role.

resource "aws_ecr_repository" "api_handler" {
  name                 = "${var.project}-api-handler"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_cloudwatch_log_group" "lambda" {
  name              = "/aws/lambda/${var.project}-api"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${var.project}-api-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

# Only its own log group; data-store permissions are added with the stores.
data "aws_iam_policy_document" "lambda_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:*"]
  }
}

resource "aws_iam_role_policy" "lambda_logs" {
  name   = "logs"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_logs.json
}

# The adapters' SDK operations (docs/data-model.md), on exactly their resources.
data "aws_iam_policy_document" "lambda_stores" {
  statement {
    sid = "Tables"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
    ]
    resources = [
      aws_dynamodb_table.users.arn,
      "${aws_dynamodb_table.users.arn}/index/outbox",
      aws_dynamodb_table.goals.arn,
      "${aws_dynamodb_table.goals.arn}/index/byStatus",
      aws_dynamodb_table.aggregates.arn,
    ]
  }

  statement {
    sid       = "UndoRegistration"
    actions   = ["cognito-idp:AdminDeleteUser"]
    resources = [aws_cognito_user_pool.users.arn]
  }

  statement {
    sid       = "Attachments"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.attachments.arn}/*"]
  }

  statement {
    sid       = "Notifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.notifications.arn]
  }
}

resource "aws_iam_role_policy" "lambda_stores" {
  name   = "stores"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_stores.json
}

# Signs listing cursors; the same for every instance of the function.
resource "random_password" "cursor_secret" {
  length  = 48
  special = false
}

resource "aws_lambda_function" "api" {
  count = var.deploy_lambda ? 1 : 0

  function_name = "${var.project}-api"
  role          = aws_iam_role.lambda.arn
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.api_handler.repository_url}:${var.image_tag}"
  architectures = ["x86_64"]
  memory_size   = 256
  timeout       = 10

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.lambda.name
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
    }
  }

  lifecycle {
    precondition {
      condition     = var.image_tag != ""
      error_message = "deploy_lambda = true needs image_tag (the pushed image's commit SHA)."
    }
  }

  depends_on = [aws_iam_role_policy.lambda_logs, aws_iam_role_policy.lambda_stores]
}
