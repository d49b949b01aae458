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

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 5
    error_message = "The dashboard must have the function, stream, cache and API widgets."
  }
  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"IteratorAge\"") && strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"abc123\"")
    error_message = "The dashboard must chart the iterator age and the API."
  }
  assert {
    condition = alltrue(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [for m in w.properties.metrics : can(m[0])]
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
