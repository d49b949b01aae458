data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name

  cache_dimensions = coalesce(var.cache_metrics.dimensions, { FunctionName = var.function_names.api })

  function_alarms = merge([
    for key, function_name in var.function_names : {
      "${replace(key, "_", "-")}-errors" = {
        description = "${function_name} failed invocations (errors, timeouts, crashes)"
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        statistic   = "Sum"
        threshold   = var.thresholds.function_errors
        dimensions  = { FunctionName = function_name }
      }
      "${replace(key, "_", "-")}-throttles" = {
        description = "${function_name} throttled invocations"
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        statistic   = "Sum"
        threshold   = var.thresholds.function_throttles
        dimensions  = { FunctionName = function_name }
      }
    }
  ]...)

  alarms = merge(local.function_alarms, {
    "stream-iterator-age" = {
      description = "The stream handler is behind the table's stream (oldest record age, ms)"
      namespace   = "AWS/Lambda"
      metric      = "IteratorAge"
      statistic   = "Maximum"
      threshold   = var.thresholds.iterator_age_ms
      dimensions  = { FunctionName = var.function_names.stream_handler }
    }
    "on-failure-queue-depth" = {
      description = "Stream batches gave up after all retries and wait in the on-failure queue"
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      threshold   = var.thresholds.on_failure_queue_depth
      dimensions  = { QueueName = var.on_failure_queue_name }
    }
  })
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  dimensions          = each.value.dimensions
  period              = var.thresholds.period_seconds
  evaluation_periods  = var.thresholds.evaluation_periods
  datapoints_to_alarm = var.thresholds.datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}

# Hit ratio from the API's EMF counters, judged only when there is enough traffic to mean something.
resource "aws_cloudwatch_metric_alarm" "cache_hit_ratio" {
  alarm_name          = "${var.name}-cache-hit-ratio"
  alarm_description   = "Share of API cache lookups served from Redis fell below ${var.thresholds.cache_hit_ratio_percent}%"
  comparison_operator = "LessThanThreshold"
  threshold           = var.thresholds.cache_hit_ratio_percent
  evaluation_periods  = var.thresholds.cache_evaluation_periods
  datapoints_to_alarm = min(var.thresholds.cache_evaluation_periods, max(var.thresholds.datapoints_to_alarm, ceil(var.thresholds.cache_evaluation_periods / 2)))
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "ratio"
    label       = "Cache hit ratio (%)"
    expression  = "IF((hits + misses) >= ${var.thresholds.cache_min_requests}, 100 * hits / (hits + misses))"
    return_data = true
  }

  metric_query {
    id = "hits"

    metric {
      namespace   = var.cache_metrics.namespace
      metric_name = var.cache_metrics.hits
      dimensions  = local.cache_dimensions
      period      = var.thresholds.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "misses"

    metric {
      namespace   = var.cache_metrics.namespace
      metric_name = var.cache_metrics.misses
      dimensions  = local.cache_dimensions
      period      = var.thresholds.period_seconds
      stat        = "Sum"
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(
      [
        {
          type = "metric", x = 0, y = 0, width = 12, height = 6
          properties = {
            title  = "Invocations and errors"
            region = local.region
            stat   = "Sum"
            period = var.thresholds.period_seconds
            # One array per metric: flatten() would also flatten each metric into one list of strings,
            # which PutDashboard refuses ("Should be array").
            metrics = [
              for pair in setproduct(values(var.function_names), ["Invocations", "Errors", "Throttles"]) :
              ["AWS/Lambda", pair[1], "FunctionName", pair[0]]
            ]
          }
        },
        {
          type = "metric", x = 12, y = 0, width = 12, height = 6
          properties = {
            title  = "Duration p99 (ms)"
            region = local.region
            stat   = "p99"
            period = var.thresholds.period_seconds
            metrics = [
              for key, fn in var.function_names : ["AWS/Lambda", "Duration", "FunctionName", fn]
            ]
          }
        },
        {
          type = "metric", x = 0, y = 6, width = 12, height = 6
          properties = {
            title  = "Stream lag and failed batches"
            region = local.region
            period = var.thresholds.period_seconds
            metrics = [
              ["AWS/Lambda", "IteratorAge", "FunctionName", var.function_names.stream_handler, { stat = "Maximum", label = "Iterator age (ms)" }],
              ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.on_failure_queue_name, { stat = "Maximum", label = "On-failure queue depth", yAxis = "right" }],
            ]
          }
        },
        {
          type = "metric", x = 12, y = 6, width = 12, height = 6
          properties = {
            title  = "Cache hit ratio (%)"
            region = local.region
            period = var.thresholds.period_seconds
            yAxis  = { left = { min = 0, max = 100 } }
            metrics = [
              [{ expression = "100 * hits / (hits + misses)", label = "Hit ratio", id = "ratio" }],
              concat([var.cache_metrics.namespace, var.cache_metrics.hits], flatten([for k, v in local.cache_dimensions : [k, v]]), [{ id = "hits", stat = "Sum", visible = false }]),
              concat([var.cache_metrics.namespace, var.cache_metrics.misses], flatten([for k, v in local.cache_dimensions : [k, v]]), [{ id = "misses", stat = "Sum", visible = false }]),
            ]
          }
        },
      ],
      var.api_id == null ? [] : [
        {
          type = "metric", x = 0, y = 12, width = 24, height = 6
          properties = {
            title  = "HTTP API"
            region = local.region
            period = var.thresholds.period_seconds
            metrics = [
              ["AWS/ApiGateway", "Count", "ApiId", var.api_id, { stat = "Sum" }],
              ["AWS/ApiGateway", "4xx", "ApiId", var.api_id, { stat = "Sum" }],
              ["AWS/ApiGateway", "5xx", "ApiId", var.api_id, { stat = "Sum" }],
              ["AWS/ApiGateway", "Latency", "ApiId", var.api_id, { stat = "p99", yAxis = "right" }],
            ]
          }
        },
      ],
    )
  })
}
