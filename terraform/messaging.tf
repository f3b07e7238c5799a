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

  # Lambda refuses an event source whose queue hides a message for less
  # than the function may run; six times the timeout is AWS's advice, so a
  # batch retried after throttling is not received twice meanwhile.
  visibility_timeout_seconds = var.lambda_timeout_seconds * 6

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

# The queue feeds the consumers, and EventBridge rules run the jobs (the
# outbox relay among them): both generated in events.gen.tf.
