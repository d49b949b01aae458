locals {
  functions = {
    api = {
      name        = "${var.name}-api"
      description = "streamcache items API (HTTP API payload 2.0)"
      code        = var.code.api
      sizing      = var.api
    }
    stream_handler = {
      name        = "${var.name}-stream-handler"
      description = "streamcache stream handler: applies DynamoDB Stream records to the cache"
      code        = var.code.stream_handler
      sizing      = var.stream_handler
    }
  }

  # The configuration both functions read at init (see src/ and docs/deploy.md).
  environment = merge(
    var.environment_variables,
    {
      TABLE_NAME            = var.table.name
      REDIS_URL             = var.cache.redis_url
      CACHE_TTL_SECONDS     = tostring(var.settings.cache_ttl_seconds)
      TOMBSTONE_TTL_SECONDS = tostring(var.settings.tombstone_ttl_seconds)
      NEGATIVE_TTL_SECONDS  = tostring(var.settings.negative_ttl_seconds)
      CACHE_WRITE_THROUGH   = tostring(var.settings.cache_write_through)
      LOG_LEVEL             = var.settings.log_level
    },
    var.cache.auth_secret_arn == null ? {} : { REDIS_AUTH_SECRET_ARN = var.cache.auth_secret_arn },
    var.cache.iam == null ? {} : {
      REDIS_AUTH             = "iam"
      REDIS_USER             = var.cache.iam.user_id
      REDIS_CACHE_NAME       = var.cache.iam.cache_name
      REDIS_CACHE_SERVERLESS = tostring(var.cache.iam.serverless)
    },
  )

  # Lambda counts a JSON line without "level" as INFO, so a WARN/ERROR filter would drop every EMF
  # metrics line: Lambda passes everything and the code filters its own lines by LOG_LEVEL.
  application_log_level = "TRACE"

  # A stale fill or a late stream record may arrive up to this long after the write it carries.
  # ItemCacheOptions::ttl_jitter: every cache TTL is drawn from base * [1 - jitter, 1 + jitter].
  cache_ttl_jitter         = 0.1
  stream_lag_bound_seconds = max(var.api.timeout, var.stream_handler.timeout) + var.event_source_mapping.maximum_record_age_in_seconds
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.functions

  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = var.logs.kms_key_arn

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  function_name = each.value.name
  description   = each.value.description
  role          = aws_iam_role.this[each.key].arn

  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = [var.architecture]

  s3_bucket         = each.value.code.s3_bucket
  s3_key            = each.value.code.s3_key
  s3_object_version = each.value.code.s3_object_version
  source_code_hash  = each.value.code.source_code_hash

  memory_size                    = each.value.sizing.memory_size
  timeout                        = each.value.sizing.timeout
  reserved_concurrent_executions = each.value.sizing.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this[each.key].name
    application_log_level = local.application_log_level
    system_log_level      = var.logs.system_log_level
  }

  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]

    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  # The role must be able to write logs (and manage ENIs in a VPC) before the first invocation,
  # and must keep those rights until the function and its ENIs are gone on destroy.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      # Tombstones live TOMBSTONE_TTL_SECONDS * (1 - jitter) at the least (cache/item_cache.h).
      condition     = var.settings.tombstone_ttl_seconds * (1 - local.cache_ttl_jitter) > local.stream_lag_bound_seconds
      error_message = "settings.tombstone_ttl_seconds, less its ${local.cache_ttl_jitter * 100} % TTL jitter, must exceed the longest function timeout plus event_source_mapping.maximum_record_age_in_seconds (${local.stream_lag_bound_seconds} s), or a late fill could resurrect a deleted item."
    }
  }
}

################################################################################
# Stream → stream handler, with bounded retries and an SQS on-failure destination
################################################################################

resource "aws_sqs_queue" "this" {
  name                      = "${var.name}-stream-handler-on-failure"
  message_retention_seconds = 1209600 # 14 days, the maximum: time to inspect and replay
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn

  tags = var.tags
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.this.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_lambda_event_source_mapping" "this" {
  count = var.event_source_mapping.create ? 1 : 0

  event_source_arn  = var.table.stream_arn
  function_name     = aws_lambda_function.this["stream_handler"].arn
  enabled           = var.event_source_mapping.enabled
  starting_position = "TRIM_HORIZON"

  batch_size                         = var.event_source_mapping.batch_size
  maximum_batching_window_in_seconds = var.event_source_mapping.maximum_batching_window_in_seconds
  parallelization_factor             = var.event_source_mapping.parallelization_factor

  # The handler reports the first record it could not apply; Lambda retries from there.
  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = var.event_source_mapping.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.event_source_mapping.maximum_record_age_in_seconds

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.this.arn
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}
