# Alarms, the SNS topic they notify and a dashboard of the same figures.
# What each alarm means and the first thing to do about it:
# docs/operations.md. A test in `cargo xtask test` (xtask/src/infra/alarms.rs)
# holds every metric named here against the metrics AWS documents for each
# namespace, and the app's own against its EMF contract.

locals {
  # The namespace of the app's own metrics, which the Lambda writes as
  # CloudWatch Embedded Metric Format in its JSON log lines
  # (METRICS_NAMESPACE in lambda.tf).
  metrics_namespace = local.name

  # Each job's EventBridge rule, generated one resource per job into
  # events.gen.tf; the alarm test fails when a job has no entry here.
  job_rules = {
    daily_reminder = aws_cloudwatch_event_rule.job_daily_reminder
    relay_outbox   = aws_cloudwatch_event_rule.job_relay_outbox
    sweep_expired  = aws_cloudwatch_event_rule.job_sweep_expired
    sweep_orphans  = aws_cloudwatch_event_rule.job_sweep_orphans
  }

  # The tables of data.tf.
  alarm_tables = {
    users      = aws_dynamodb_table.users
    goals      = aws_dynamodb_table.goals
    aggregates = aws_dynamodb_table.aggregates
  }

  # The DynamoDB operations the aws adapters call (the alarm test derives
  # them from api-handler/src/store/aws, as the IAM test does, and fails
  # when they differ): SystemErrors is published per table and operation.
  dynamodb_operations = ["BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query", "TransactWriteItems", "UpdateItem"]

  alarm_actions = [aws_sns_topic.alarms.arn]
}

# Every alarm notifies this topic when it goes to ALARM and back to OK.
resource "aws_sns_topic" "alarms" {
  # checkov:skip=CKV_AWS_26:Alarm notifications hold alarm names, thresholds and metric values, no user data; CloudWatch cannot publish to a topic encrypted with the AWS managed key aws/sns (its key policy cannot grant cloudwatch.amazonaws.com), and a customer managed key would add key-policy upkeep and a monthly fee for data that needs no secrecy.
  name = "${local.name}-alarms"
}

# Optional: the address confirms the subscription from the mail SNS sends.
resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# --- Lambda ------------------------------------------------------------------

# An invocation that failed as a whole: a panic, a timeout, running out of
# memory, a job returning an error. Never an HTTP 5xx answer (that
# invocation succeeds) nor a consumer's failed record (reported in
# batchItemFailures). Two in five minutes: a job that fails for good fails
# three attempts (Lambda retries EventBridge's asynchronous invocation
# twice, one and then two minutes apart), while one lone timeout does not
# page.
resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  count = var.deploy_lambda ? 1 : 0

  alarm_name          = "${local.name}-lambda-errors"
  alarm_description   = "The api Lambda failed whole invocations (panic, timeout, out of memory, a failed job). Runbook: docs/operations.md#lambda-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.api[0].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # Lambda publishes Errors for every minute with invocations: no data is
  # no invocations, so no errors.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# Invocations refused for want of concurrency: API requests answered with
# errors, events and jobs delayed. In two of three five-minute periods, so a
# single burst does not page but a ceiling reached again and again does.
resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  count = var.deploy_lambda ? 1 : 0

  alarm_name          = "${local.name}-lambda-throttles"
  alarm_description   = "The api Lambda is throttled: the account's (or function's) concurrency is used up. Runbook: docs/operations.md#lambda-throttles"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.api[0].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # No data: no invocation attempts, so none throttled.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# The slowest invocations near the timeout, where they start being cut off.
resource "aws_cloudwatch_metric_alarm" "lambda_duration" {
  count = var.deploy_lambda ? 1 : 0

  alarm_name          = "${local.name}-lambda-duration-p99"
  alarm_description   = "The api Lambda's p99 duration is above 80% of its timeout: invocations are about to time out. Runbook: docs/operations.md#lambda-duration-p99"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.api[0].function_name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.lambda_timeout_seconds * 1000 * 0.8
  comparison_operator = "GreaterThanThreshold"
  # No data: no invocations to be slow.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# --- HTTP API ----------------------------------------------------------------

# The share of requests answered 5xx, counted only in five-minute periods of
# at least 20 requests, so one failed request at 3 a.m. is not an outage.
# An HTTP API publishes 5xx and Count by ApiId and Stage (the `$default`
# stage as Stage = "$default") without detailed metrics, which only add
# the Route dimension.
resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${local.name}-api-5xx-rate"
  alarm_description   = "More than 1% of the HTTP API's requests were answered 5xx (periods of 20 requests or more). Runbook: docs/operations.md#api-5xx-rate"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanThreshold"
  # No data: no requests, so none failed.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)"
    label       = "5xx (% of requests)"
    return_data = true
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions = {
        ApiId = aws_apigatewayv2_api.http.id
        Stage = aws_apigatewayv2_stage.default.name
      }
      stat   = "Sum"
      period = 300
    }
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5xx"
      dimensions = {
        ApiId = aws_apigatewayv2_api.http.id
        Stage = aws_apigatewayv2_stage.default.name
      }
      stat   = "Sum"
      period = 300
    }
  }
}

# --- Jobs --------------------------------------------------------------------

# EventBridge could not invoke the function for a job's schedule at all
# (permission or function gone, retries exhausted). A job that runs and
# fails is a Lambda error instead (lambda_errors).
resource "aws_cloudwatch_metric_alarm" "job_failed_invocations" {
  for_each = { for job, rule in local.job_rules : job => rule[0].name if var.deploy_lambda }

  alarm_name          = "${local.name}-job-${each.key}-failed-invocations"
  alarm_description   = "EventBridge failed to invoke the api Lambda for the ${each.key} job's schedule. Runbook: docs/operations.md#job-failed-invocations"
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = { RuleName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # EventBridge publishes FailedInvocations only when it is not zero.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# --- Queue -------------------------------------------------------------------

# A message failed all five receives: its event was not handled, and in a
# FIFO queue it held back its user's later events until it left.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${local.name}-dlq-not-empty"
  alarm_description   = "The notifications dead-letter queue holds messages: events no consumer could handle. Runbook: docs/operations.md#dlq-not-empty"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.notifications_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # SQS stops publishing for a queue idle six hours, which an empty DLQ is;
  # a queue holding messages counts as active and keeps publishing.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# Events wait: the consumers are not keeping up, not running, or a message
# group is blocked behind a failing message.
resource "aws_cloudwatch_metric_alarm" "queue_oldest_message" {
  alarm_name          = "${local.name}-queue-oldest-message"
  alarm_description   = "The notifications queue's oldest message is more than 10 minutes old: events are not being consumed. Runbook: docs/operations.md#queue-oldest-message"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.notifications.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 600
  comparison_operator = "GreaterThanThreshold"
  # No data: an idle, empty queue.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# --- DynamoDB ----------------------------------------------------------------

# Throttled reads and writes of a table or its indexes. ThrottledRequests is
# published per operation only, while ReadThrottleEvents and
# WriteThrottleEvents are per table (TableName) and per index (TableName,
# GlobalSecondaryIndexName; the table's own figure leaves its indexes out):
# their sum covers every request without listing operations. On-demand
# tables throttle on a hot partition or at the account's limits; the SDK
# retries, so only two periods running page.
resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each = local.alarm_tables

  alarm_name          = "${local.name}-dynamodb-${each.key}-throttles"
  alarm_description   = "DynamoDB throttles reads or writes of the ${each.key} table or its indexes. Runbook: docs/operations.md#dynamodb-throttles"
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # DynamoDB publishes throttle events only when there are some.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions

  metric_query {
    id          = "throttles"
    expression  = "SUM(FILL(METRICS(), 0))"
    label       = "Throttle events"
    return_data = true
  }

  metric_query {
    id = "table_reads"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = each.value.name }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "table_writes"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = each.value.name }
      stat        = "Sum"
      period      = 300
    }
  }

  dynamic "metric_query" {
    for_each = [for index in each.value.global_secondary_index : index.name]

    content {
      id = "index_reads_${metric_query.key}"

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "ReadThrottleEvents"
        dimensions = {
          TableName                = each.value.name
          GlobalSecondaryIndexName = metric_query.value
        }
        stat   = "Sum"
        period = 300
      }
    }
  }

  dynamic "metric_query" {
    for_each = [for index in each.value.global_secondary_index : index.name]

    content {
      id = "index_writes_${metric_query.key}"

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "WriteThrottleEvents"
        dimensions = {
          TableName                = each.value.name
          GlobalSecondaryIndexName = metric_query.value
        }
        stat   = "Sum"
        period = 300
      }
    }
  }
}

# DynamoDB answered 500 (an internal error). SystemErrors exists only per
# table and operation (no per-table total, and an alarm cannot SEARCH), so
# the alarm sums the operations the app calls, at most 10 metrics an alarm.
# The SDK retries these; two periods running mean DynamoDB itself is
# unwell.
resource "aws_cloudwatch_metric_alarm" "dynamodb_system_errors" {
  for_each = local.alarm_tables

  alarm_name          = "${local.name}-dynamodb-${each.key}-system-errors"
  alarm_description   = "DynamoDB answered the ${each.key} table's requests with internal errors (HTTP 500). Runbook: docs/operations.md#dynamodb-system-errors"
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # DynamoDB publishes SystemErrors only when there are some.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions

  metric_query {
    id          = "errors"
    expression  = "SUM(FILL(METRICS(), 0))"
    label       = "System errors"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.dynamodb_operations

    content {
      id = lower(metric_query.value)

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SystemErrors"
        dimensions = {
          TableName = each.value.name
          Operation = metric_query.value
        }
        stat   = "Sum"
        period = 300
      }
    }
  }
}

# --- The app's own metrics (EMF) ---------------------------------------------

# Consumer deliveries failing steadily. A failed delivery is retried (the
# message comes back after the queue's visibility timeout, six times the
# function's, so at most twice in five minutes) and after five receives the
# dead-letter queue takes it, which dlq_not_empty reports: three failures in
# each of three five-minute periods is more than one bad message, such as a
# store or dependency the consumers cannot reach.
resource "aws_cloudwatch_metric_alarm" "consumer_failures" {
  count = var.deploy_lambda ? 1 : 0

  alarm_name          = "${local.name}-consumer-failures"
  alarm_description   = "Queue consumers have been failing deliveries for 15 minutes (3 or more every 5 minutes). Runbook: docs/operations.md#consumer-failures"
  namespace           = local.metrics_namespace
  metric_name         = "errors"
  dimensions          = { kind = "delivery" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = 3
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # No data: no deliveries, so none failed.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
}

# Events committed but not reaching the queue. The relay reports, at the
# start of each run (every minute), how many events still wait in the
# outbox; an event normally leaves it right after its commit, so a minimum
# above 0 over five runs means the same events stayed. Missing data is
# breaching: the relay reports every run, 0 included, so silence means it
# is not running (or fails before it counts), and nothing would move the
# events that a publish after commit missed.
resource "aws_cloudwatch_metric_alarm" "outbox_backlog" {
  count = var.deploy_lambda ? 1 : 0

  alarm_name          = "${local.name}-outbox-backlog"
  alarm_description   = "Events have waited in the outbox for 10 minutes, or the relay_outbox job stopped reporting. Runbook: docs/operations.md#outbox-backlog"
  namespace           = local.metrics_namespace
  metric_name         = "outbox_backlog"
  dimensions          = { job = "relay_outbox" }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- Dashboard ---------------------------------------------------------------

locals {
  # A line graph of `metrics` (CloudWatch's widget metric arrays).
  dashboard_graph = {
    type   = "metric"
    width  = 8
    height = 6
  }
  dashboard_properties = {
    view    = "timeSeries"
    stacked = false
    region  = var.region
    period  = 300
  }
}

resource "aws_cloudwatch_dashboard" "overview" {
  count = var.deploy_lambda ? 1 : 0

  dashboard_name = "${local.name}-overview"
  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "alarm"
        x      = 0
        y      = 0
        width  = 24
        height = 3
        properties = {
          title = "Alarms"
          alarms = concat(
            aws_cloudwatch_metric_alarm.lambda_errors[*].arn,
            aws_cloudwatch_metric_alarm.lambda_throttles[*].arn,
            aws_cloudwatch_metric_alarm.lambda_duration[*].arn,
            [aws_cloudwatch_metric_alarm.api_5xx_rate.arn],
            [for alarm in aws_cloudwatch_metric_alarm.job_failed_invocations : alarm.arn],
            [aws_cloudwatch_metric_alarm.dlq_not_empty.arn, aws_cloudwatch_metric_alarm.queue_oldest_message.arn],
            [for alarm in aws_cloudwatch_metric_alarm.dynamodb_throttles : alarm.arn],
            [for alarm in aws_cloudwatch_metric_alarm.dynamodb_system_errors : alarm.arn],
            aws_cloudwatch_metric_alarm.consumer_failures[*].arn,
            aws_cloudwatch_metric_alarm.outbox_backlog[*].arn,
          )
        }
      },

      # HTTP API
      merge(local.dashboard_graph, {
        x = 0
        y = 3
        properties = merge(local.dashboard_properties, {
          title = "API requests"
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.default.name, { stat = "Sum", label = "requests" }],
          ]
        })
      }),
      merge(local.dashboard_graph, {
        x = 8
        y = 3
        properties = merge(local.dashboard_properties, {
          title = "API 4xx and 5xx"
          metrics = [
            ["AWS/ApiGateway", "4xx", "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.default.name, { stat = "Sum", label = "4xx" }],
            ["AWS/ApiGateway", "5xx", "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.default.name, { stat = "Sum", label = "5xx" }],
          ]
        })
      }),
      merge(local.dashboard_graph, {
        x = 16
        y = 3
        properties = merge(local.dashboard_properties, {
          title = "API latency (ms)"
          metrics = [
            ["AWS/ApiGateway", "Latency", "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.default.name, { stat = "p50", label = "p50" }],
            ["AWS/ApiGateway", "Latency", "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.default.name, { stat = "p99", label = "p99" }],
            ["AWS/ApiGateway", "IntegrationLatency", "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.default.name, { stat = "p99", label = "integration p99" }],
          ]
        })
      }),

      # Lambda
      merge(local.dashboard_graph, {
        x = 0
        y = 9
        properties = merge(local.dashboard_properties, {
          title = "Lambda errors and throttles"
          metrics = [
            ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.api[0].function_name, { stat = "Sum", label = "errors" }],
            ["AWS/Lambda", "Throttles", "FunctionName", aws_lambda_function.api[0].function_name, { stat = "Sum", label = "throttles" }],
          ]
        })
      }),
      merge(local.dashboard_graph, {
        x = 8
        y = 9
        properties = merge(local.dashboard_properties, {
          title = "Lambda duration (ms)"
          metrics = [
            ["AWS/Lambda", "Duration", "FunctionName", aws_lambda_function.api[0].function_name, { stat = "p50", label = "p50" }],
            ["AWS/Lambda", "Duration", "FunctionName", aws_lambda_function.api[0].function_name, { stat = "p99", label = "p99" }],
          ]
          annotations = {
            horizontal = [{ label = "alarm: 80% of the timeout", value = var.lambda_timeout_seconds * 1000 * 0.8 }]
          }
        })
      }),
      merge(local.dashboard_graph, {
        x = 16
        y = 9
        properties = merge(local.dashboard_properties, {
          title = "Lambda concurrency"
          metrics = [
            ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", aws_lambda_function.api[0].function_name, { stat = "Maximum", label = "concurrent executions" }],
          ]
        })
      }),

      # Queue
      merge(local.dashboard_graph, {
        x = 0
        y = 15
        properties = merge(local.dashboard_properties, {
          title = "Queue depth"
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.notifications.name, { stat = "Maximum", label = "waiting" }],
            ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", aws_sqs_queue.notifications.name, { stat = "Maximum", label = "in flight" }],
          ]
        })
      }),
      merge(local.dashboard_graph, {
        x = 8
        y = 15
        properties = merge(local.dashboard_properties, {
          title = "Oldest message (s)"
          metrics = [
            ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.notifications.name, { stat = "Maximum", label = "oldest message" }],
          ]
          annotations = {
            horizontal = [{ label = "alarm: 10 minutes", value = 600 }]
          }
        })
      }),
      merge(local.dashboard_graph, {
        x = 16
        y = 15
        properties = merge(local.dashboard_properties, {
          title = "Dead-letter queue"
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.notifications_dlq.name, { stat = "Maximum", label = "dead letters" }],
          ]
        })
      }),

      # DynamoDB
      merge(local.dashboard_graph, {
        x     = 0
        y     = 21
        width = 12
        properties = merge(local.dashboard_properties, {
          title = "DynamoDB throttle events (tables)"
          metrics = flatten([
            for table, resource in local.alarm_tables : [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", resource.name, { stat = "Sum", label = "${table} reads" }],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", resource.name, { stat = "Sum", label = "${table} writes" }],
            ]
          ])
        })
      }),
      merge(local.dashboard_graph, {
        x     = 12
        y     = 21
        width = 12
        properties = merge(local.dashboard_properties, {
          title = "DynamoDB system errors"
          metrics = [
            for pair in setproduct(keys(local.alarm_tables), local.dynamodb_operations) :
            ["AWS/DynamoDB", "SystemErrors", "TableName", local.alarm_tables[pair[0]].name, "Operation", pair[1], { stat = "Sum", label = "${pair[0]} ${pair[1]}" }]
          ]
        })
      }),

      # The app's own metrics, by kind: request, delivery, job.
      merge(local.dashboard_graph, {
        x     = 0
        y     = 27
        width = 6
        properties = merge(local.dashboard_properties, {
          title   = "App: count by kind"
          metrics = [for kind in ["request", "delivery", "job"] : [local.metrics_namespace, "count", "kind", kind, { stat = "Sum", label = kind }]]
        })
      }),
      merge(local.dashboard_graph, {
        x     = 6
        y     = 27
        width = 6
        properties = merge(local.dashboard_properties, {
          title   = "App: errors by kind"
          metrics = [for kind in ["request", "delivery", "job"] : [local.metrics_namespace, "errors", "kind", kind, { stat = "Sum", label = kind }]]
        })
      }),
      merge(local.dashboard_graph, {
        x     = 12
        y     = 27
        width = 6
        properties = merge(local.dashboard_properties, {
          title   = "App: latency_ms p99 by kind"
          metrics = [for kind in ["request", "delivery", "job"] : [local.metrics_namespace, "latency_ms", "kind", kind, { stat = "p99", label = kind }]]
        })
      }),
      merge(local.dashboard_graph, {
        x     = 18
        y     = 27
        width = 6
        properties = merge(local.dashboard_properties, {
          title = "App: outbox backlog"
          metrics = [
            [local.metrics_namespace, "outbox_backlog", "job", "relay_outbox", { stat = "Minimum", label = "minimum" }],
            [local.metrics_namespace, "outbox_backlog", "job", "relay_outbox", { stat = "Maximum", label = "maximum" }],
          ]
        })
      }),
    ]
  })
}
