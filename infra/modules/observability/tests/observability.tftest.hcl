mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  name                  = "sc-test"
  function_names        = { api = "sc-test-api", stream_handler = "sc-test-stream-handler" }
  on_failure_queue_name = "sc-test-stream-handler-on-failure"
  api_id                = "abc123"
  alarm_actions         = ["arn:aws:sns:eu-west-1:123456789012:oncall"]
}

run "alarms_cover_lag_failures_errors_throttles_and_hit_ratio" {
  command = plan

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "api-errors", "api-throttles", "stream-handler-errors", "stream-handler-throttles", "stream-iterator-age", "on-failure-queue-depth",
    ])
    error_message = "Expected error and throttle alarms per function, iterator age and queue depth."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["stream-iterator-age"].metric_name == "IteratorAge" &&
      aws_cloudwatch_metric_alarm.this["stream-iterator-age"].dimensions.FunctionName == "sc-test-stream-handler" &&
      aws_cloudwatch_metric_alarm.this["stream-iterator-age"].statistic == "Maximum"
    )
    error_message = "The iterator age alarm must watch the stream handler's maximum IteratorAge."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["on-failure-queue-depth"].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.this["on-failure-queue-depth"].dimensions.QueueName == "sc-test-stream-handler-on-failure" &&
      aws_cloudwatch_metric_alarm.this["on-failure-queue-depth"].threshold == 1
    )
    error_message = "Any message in the on-failure queue must raise the alarm."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["api-errors"].dimensions.FunctionName == "sc-test-api" && aws_cloudwatch_metric_alarm.this["api-throttles"].metric_name == "Throttles"
    error_message = "Function alarms must target the right function."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:oncall"]) && a.treat_missing_data == "notBreaching"])
    error_message = "Alarms must notify the given actions and stay quiet without data."
  }
}

run "hit_ratio_alarm_uses_the_emf_counters" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.cache_hit_ratio.comparison_operator == "LessThanThreshold" && aws_cloudwatch_metric_alarm.cache_hit_ratio.threshold == 80
    error_message = "The hit ratio alarm must fire below 80%."
  }
  assert {
    condition = alltrue([
      for q in aws_cloudwatch_metric_alarm.cache_hit_ratio.metric_query :
      q.metric[0].namespace == "streamcache" && q.metric[0].dimensions == tomap({ FunctionName = "sc-test-api" }) if q.id != "ratio"
    ])
    error_message = "Hits and misses must come from the streamcache namespace for the API function."
  }
  assert {
    condition     = anytrue([for q in aws_cloudwatch_metric_alarm.cache_hit_ratio.metric_query : q.return_data && strcontains(q.expression, "100 * hits / (hits + misses)") if q.id == "ratio"])
    error_message = "The alarm must evaluate the hit ratio expression."
  }
}

run "dashboard_charts_everything" {
  command = plan

  variables {
    access_log_group_name = "/aws/http-api/sc-test/access"
    monitor_function_name = "sc-test-monitor"
  }

  assert {
    condition = [for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.title] == [
      "HTTP API requests and latency ($default route)", "Requests by method and resource (access log)",
      "Function invocations, errors, throttles", "Function duration p50 / p99 (ms)", "Cold starts and Init Duration (ms)",
      "Cache-Status mix (API reads)", "Cache hit ratio (%)", "Stream lag",
      "Stream batch outcomes", "Consistency monitor",
    ]
    error_message = "The dashboard must have the local dashboard's panels (docs/dashboard.md): requests and latency, routes, functions, cold starts, Cache-Status mix, hit ratio, stream lag and batch outcomes, the monitor."
  }
  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.x + w.width <= 24
    ]) && [for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.y] == [0, 0, 6, 6, 6, 12, 12, 12, 18, 18]
    error_message = "Widgets must be laid out in rows of at most 24 units."
  }
  assert {
    condition = (
      strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "CacheEntriesInconsistent") &&
      strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "SOURCE '/aws/lambda/sc-test-api' | SOURCE '/aws/lambda/sc-test-stream-handler'") &&
      strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "NumberOfMessagesDeleted")
    )
    error_message = "The monitor, cold start and redrive panels must chart their sources."
  }
  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"IteratorAge\"") && strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"abc123\"")
    error_message = "The dashboard must chart the iterator age and the API."
  }
  assert {
    condition = alltrue(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [for m in try(w.properties.metrics, []) : can(m[0])]
    ]))
    error_message = "Every metric of a widget must be an array (CloudWatch refuses a flat list of strings); infra.aws_rules.dashboard checks the whole syntax."
  }
}

run "rejects_more_datapoints_than_periods" {
  command = plan

  variables {
    thresholds = { evaluation_periods = 2, datapoints_to_alarm = 3 }
  }

  expect_failures = [var.thresholds]
}

run "dashboard_leaves_out_what_it_has_no_input_for" {
  command = plan

  variables {
    api_id = null
  }

  assert {
    condition = (
      length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 7 &&
      jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[0].y == 0 &&
      !strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "CacheEntriesChecked")
    )
    error_message = "Without api_id, access_log_group_name and monitor_function_name their panels are left out and the rest moves up."
  }
}
