# SQS: the notifications queue (FIFO: MessageGroupId = userId keeps each
# user's events in order, MessageDeduplicationId = eventId drops a second
# publish) and its dead-letter queue.

resource "aws_sqs_queue" "notifications_dlq" {
  name                      = "${local.name}-notifications-dlq.fifo"
  fifo_queue                = true
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "notifications" {
  name                        = "${local.name}-notifications.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  sqs_managed_sse_enabled     = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.notifications_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "notifications_dlq" {
  queue_url = aws_sqs_queue.notifications_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.notifications.arn]
  })
}

# Every minute EventBridge invokes the Lambda with a scheduled event; the
# function then publishes whatever the outbox still holds (a crash or an SQS
# outage between a commit and its publish).
resource "aws_cloudwatch_event_rule" "outbox_relay" {
  count = var.deploy_lambda ? 1 : 0

  name                = "${local.name}-outbox-relay"
  description         = "Publishes domain events left in the outbox."
  schedule_expression = "rate(1 minute)"
}

resource "aws_cloudwatch_event_target" "outbox_relay" {
  count = var.deploy_lambda ? 1 : 0

  rule = aws_cloudwatch_event_rule.outbox_relay[0].name
  arn  = aws_lambda_function.api[0].arn
}

resource "aws_lambda_permission" "outbox_relay" {
  count = var.deploy_lambda ? 1 : 0

  statement_id  = "AllowScheduledOutboxRelay"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.outbox_relay[0].arn
}
