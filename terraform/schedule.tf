# Every minute EventBridge invokes the same Lambda with a scheduled event;
# the function then publishes whatever the outbox still holds (a crash or an
# SQS outage between a commit and its publish).

resource "aws_cloudwatch_event_rule" "outbox_relay" {
  count = var.deploy_lambda ? 1 : 0

  name                = "${var.project}-outbox-relay"
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
