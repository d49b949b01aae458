# The consistency monitor (docs/monitor.md): a function on an EventBridge schedule that samples
# the cache, checks each entry against a consistent read of the table, and an alarm on any
# inconsistency it reports (EMF metric CacheEntriesInconsistent, namespace streamcache).

locals {
  function_name = "${var.name}-monitor"

  environment = merge(
    var.environment_variables,
    {
      TABLE_NAME            = var.table.name
      REDIS_URL             = var.cache.redis_url
      MONITOR_SAMPLE_SIZE   = tostring(var.check.sample_size)
      MONITOR_GRACE_SECONDS = tostring(var.check.grace_seconds)
      LOG_LEVEL             = "info"
    },
    var.cache.auth_secret_arn == null ? {} : { REDIS_AUTH_SECRET_ARN = var.cache.auth_secret_arn },
    # The same IAM auth settings as modules/functions: a fresh token per connection, no secret.
    var.cache.iam == null ? {} : {
      REDIS_AUTH             = "iam"
      REDIS_USER             = var.cache.iam.user_id
      REDIS_CACHE_NAME       = var.cache.iam.cache_name
      REDIS_CACHE_SERVERLESS = tostring(var.cache.iam.serverless)
    },
  )
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = var.logs.kms_key_arn

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  function_name = local.function_name
  description   = "streamcache consistency monitor: samples the cache and checks it against the table"
  role          = aws_iam_role.this.arn

  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = [var.architecture]

  s3_bucket         = var.code.s3_bucket
  s3_key            = var.code.s3_key
  s3_object_version = var.code.s3_object_version
  source_code_hash  = var.code.source_code_hash

  memory_size = var.check.memory_size
  timeout     = var.check.timeout
  # One run at a time: overlapping runs would only double the cost.
  reserved_concurrent_executions = 1

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
    # Lambda counts a JSON line without "level" as INFO: a stricter filter would drop the EMF lines.
    application_log_level = "TRACE"
    system_log_level      = "WARN"
  }

  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]

    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}

resource "aws_cloudwatch_event_rule" "this" {
  name                = local.function_name
  description         = "Runs ${local.function_name} on its schedule"
  schedule_expression = var.check.schedule

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule = aws_cloudwatch_event_rule.this.name
  arn  = aws_lambda_function.this.arn

  # A missed run is replaced by the next one: no retries that would pile up behind a slow run.
  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
  }
}

resource "aws_lambda_permission" "this" {
  statement_id  = "AllowScheduleInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}

resource "aws_cloudwatch_metric_alarm" "this" {
  alarm_name        = "${local.function_name}-inconsistent-entries"
  alarm_description = "The consistency monitor found cache entries the table contradicts (docs/monitor.md): its log lines name each id and both versions."

  namespace   = "streamcache"
  metric_name = "CacheEntriesInconsistent"
  dimensions  = { FunctionName = local.function_name }
  statistic   = "Sum"
  # One run per schedule period; any inconsistency in a run raises the alarm.
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"

  alarm_actions = var.alarm.actions
  ok_actions    = var.alarm.actions

  tags = var.tags
}
