# The Lambda's role: exactly the actions the aws adapters call
# (api-handler/src/store/aws), on exactly these resources. A test in
# `cargo xtask test` (xtask/src/infra.rs) derives the operations from the
# adapters' source and compares them with the lambda_stores statements.

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
  name               = "${local.name}-api-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

# Its own log group only.
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

# Active tracing: Lambda sends the function's segments with its role.
data "aws_iam_policy_document" "lambda_tracing" {
  statement {
    actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    # X-Ray has no resource-level permissions: AWS requires "*" for these two.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "lambda_tracing" {
  name   = "tracing"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_tracing.json
}

# The adapters' SDK operations (docs/data-model.md).
data "aws_iam_policy_document" "lambda_stores" {
  # Every item write of a request is one TransactWriteItems, which IAM
  # authorises item by item (Put, Update, Delete, ConditionCheck).
  statement {
    sid = "Tables"
    actions = [
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    resources = [
      aws_dynamodb_table.users.arn,
      "${aws_dynamodb_table.users.arn}/index/outbox",
      aws_dynamodb_table.goals.arn,
      "${aws_dynamodb_table.goals.arn}/index/byStatus",
      "${aws_dynamodb_table.goals.arn}/index/activeDaily",
      "${aws_dynamodb_table.goals.arn}/index/deletedGoals",
      aws_dynamodb_table.aggregates.arn,
    ]
  }

  # SignUp, ConfirmSignUp, InitiateAuth (refresh), ForgotPassword,
  # ConfirmForgotPassword and RevokeToken are authorised by the app client,
  # ChangePassword and GlobalSignOut by the user's own access token, not IAM.
  # The role checks passwords (AdminInitiateAuth: no client can, past the
  # API's throttle), deletes accounts (a deletion, or undoing a registration
  # whose profile write failed), signs them out everywhere, and names the
  # user a password reset was for.
  statement {
    sid = "Identity"
    actions = [
      "cognito-idp:AdminDeleteUser",
      "cognito-idp:AdminGetUser",
      "cognito-idp:AdminInitiateAuth",
      "cognito-idp:AdminUserGlobalSignOut",
    ]
    resources = [aws_cognito_user_pool.users.arn]
  }

  # Presigned uploads and downloads run with these permissions.
  statement {
    sid       = "Attachments"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.attachments.arn}/*"]
  }

  # A deleted account's purge lists its objects (`{userId}/…`) to delete them.
  statement {
    sid       = "AttachmentListing"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.attachments.arn]
  }

  statement {
    sid       = "Notifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.notifications.arn]
  }

  # The event source mapping (events.gen.tf) polls the queue with the
  # function's role; the local server's consumer loop calls the same two.
  statement {
    sid       = "NotificationConsumers"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.notifications.arn]
  }
}

resource "aws_iam_role_policy" "lambda_stores" {
  name   = "stores"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_stores.json
}
