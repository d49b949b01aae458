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

locals {
  cache_dimension_list = flatten([for k, v in local.cache_dimensions : [k, v]])
  period               = var.thresholds.period_seconds

  # The same panels as the local dashboard (docs/dashboard.md): requests and latency, the
  # Cache-Status mix and hit ratio, cold starts and Init Duration, stream lag and batch outcomes,
  # and the consistency monitor. Widgets whose input is null are left out.
  dashboard_rows = [
    concat(var.api_id == null ? [] : [{
      type = "metric", width = 12, height = 6
      properties = {
        title  = "HTTP API requests and latency ($default route)"
        region = local.region
        period = local.period
        metrics = [
          ["AWS/ApiGateway", "Count", "ApiId", var.api_id, { stat = "Sum", label = "requests" }],
          ["AWS/ApiGateway", "5xx", "ApiId", var.api_id, { stat = "Sum", label = "5xx" }],
          ["AWS/ApiGateway", "4xx", "ApiId", var.api_id, { stat = "Sum", label = "4xx" }],
          ["AWS/ApiGateway", "Latency", "ApiId", var.api_id, { stat = "p50", label = "latency p50 (ms)", yAxis = "right" }],
          ["AWS/ApiGateway", "Latency", "ApiId", var.api_id, { stat = "p99", label = "latency p99 (ms)", yAxis = "right" }],
        ]
      }
      }],
      var.access_log_group_name == null ? [] : [{
        type = "log", width = 12, height = 6
        properties = {
          title  = "Requests by method and resource (access log)"
          region = local.region
          view   = "table"
          query  = "SOURCE '${var.access_log_group_name}' | parse path /^\\/(?<resource>[^\\/?]*)/ | stats count(*) as requests by httpMethod, resource, status | sort requests desc"
        }
    }]),
    [
      {
        type = "metric", width = 8, height = 6
        properties = {
          title  = "Function invocations, errors, throttles"
          region = local.region
          stat   = "Sum"
          period = local.period
          # One array per metric: flatten() would also flatten each metric into one list of strings,
          # which PutDashboard refuses ("Should be array").
          metrics = [
            for pair in setproduct(values(var.function_names), ["Invocations", "Errors", "Throttles"]) :
            ["AWS/Lambda", pair[1], "FunctionName", pair[0]]
          ]
        }
      },
      {
        type = "metric", width = 8, height = 6
        properties = {
          title  = "Function duration p50 / p99 (ms)"
          region = local.region
          period = local.period
          # concat, not flatten: flatten would also flatten each metric's array into strings.
          metrics = concat(
            [for key, fn in var.function_names : ["AWS/Lambda", "Duration", "FunctionName", fn, { stat = "p50", label = "${key} p50" }]],
            [for key, fn in var.function_names : ["AWS/Lambda", "Duration", "FunctionName", fn, { stat = "p99", label = "${key} p99" }]],
          )
        }
      },
      {
        type = "log", width = 8, height = 6
        properties = {
          title  = "Cold starts and Init Duration (ms)"
          region = local.region
          view   = "timeSeries"
          # JSON log format: platform.report records (record.metrics.initDurationMs); text: REPORT lines.
          query = "${join(" | ", [for fn in values(var.function_names) : "SOURCE '/aws/lambda/${fn}'"])} | filter ispresent(record.metrics.initDurationMs) or ispresent(@initDuration) | fields coalesce(record.metrics.initDurationMs, @initDuration) as initMs | stats count(*) as coldStarts, avg(initMs) as avgInitMs, max(initMs) as maxInitMs by bin(${local.period}s)"
        }
      },
    ],
    [
      {
        type = "metric", width = 8, height = 6
        properties = {
          title   = "Cache-Status mix (API reads)"
          region  = local.region
          period  = local.period
          stat    = "Sum"
          view    = "timeSeries"
          stacked = true
          metrics = [
            concat([var.cache_metrics.namespace, var.cache_metrics.hits], local.cache_dimension_list, [{ label = "hit" }]),
            concat([var.cache_metrics.namespace, "CacheFills"], local.cache_dimension_list, [{ label = "fwd=miss; stored" }]),
            concat([var.cache_metrics.namespace, var.cache_metrics.misses], local.cache_dimension_list, [{ label = "misses (all fwd=miss)" }]),
            concat([var.cache_metrics.namespace, "CacheErrors"], local.cache_dimension_list, [{ label = "cache-unavailable" }]),
          ]
        }
      },
      {
        type = "metric", width = 8, height = 6
        properties = {
          title  = "Cache hit ratio (%)"
          region = local.region
          period = local.period
          yAxis  = { left = { min = 0, max = 100 } }
          metrics = [
            [{ expression = "100 * hits / (hits + misses)", label = "Hit ratio", id = "ratio" }],
            concat([var.cache_metrics.namespace, var.cache_metrics.hits], local.cache_dimension_list, [{ id = "hits", stat = "Sum", visible = false }]),
            concat([var.cache_metrics.namespace, var.cache_metrics.misses], local.cache_dimension_list, [{ id = "misses", stat = "Sum", visible = false }]),
          ]
        }
      },
      {
        type = "metric", width = 8, height = 6
        properties = {
          title  = "Stream lag"
          region = local.region
          period = local.period
          metrics = [
            ["AWS/Lambda", "IteratorAge", "FunctionName", var.function_names.stream_handler, { stat = "Maximum", label = "Iterator age (ms)" }],
            [var.cache_metrics.namespace, "NewestRecordAge", "FunctionName", var.function_names.stream_handler, { stat = "Maximum", label = "Newest record age (s)", yAxis = "right" }],
          ]
        }
      },
    ],
    concat([
      {
        type = "metric", width = 12, height = 6
        properties = {
          title  = "Stream batch outcomes"
          region = local.region
          period = local.period
          stat   = "Sum"
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", var.function_names.stream_handler, { label = "batches" }],
            ["AWS/Lambda", "Errors", "FunctionName", var.function_names.stream_handler, { label = "retried: function errors" }],
            [var.cache_metrics.namespace, "Failures", "FunctionName", var.function_names.stream_handler, { label = "retried: records reported failed" }],
            ["AWS/SQS", "NumberOfMessagesSent", "QueueName", var.on_failure_queue_name, { label = "failed: to the on-failure queue" }],
            ["AWS/SQS", "NumberOfMessagesDeleted", "QueueName", var.on_failure_queue_name, { label = "redriven (streamcache-redrive)" }],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.on_failure_queue_name, { stat = "Maximum", label = "waiting to be redriven", yAxis = "right" }],
          ]
        }
      },
      ], var.monitor_function_name == null ? [] : [{
        type = "metric", width = 12, height = 6
        properties = {
          title  = "Consistency monitor"
          region = local.region
          period = local.period
          stat   = "Sum"
          metrics = [
            [var.cache_metrics.namespace, "CacheEntriesChecked", "FunctionName", var.monitor_function_name, { label = "entries checked" }],
            [var.cache_metrics.namespace, "CacheEntriesInconsistent", "FunctionName", var.monitor_function_name, { label = "inconsistent", yAxis = "right" }],
          ]
        }
    }]),
  ]

  # Each row left to right, rows top down; a row with nothing in it takes no room.
  dashboard_widgets = flatten([
    for r, row in local.dashboard_rows : [
      for i, w in row : merge(w, {
        x = sum(concat([0], [for j, o in row : o.width if j < i]))
        y = 6 * length([for k, o in local.dashboard_rows : o if k < r && length(o) > 0])
      })
    ]
  ])
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
