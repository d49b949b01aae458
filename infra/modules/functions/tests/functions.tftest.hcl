mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  # The provider validates ARN arguments even when mocked, so these computed ARNs need a valid shape.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/sc-test-function" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:123456789012:sc-test-stream-handler-on-failure"
      url = "https://sqs.eu-west-1.amazonaws.com/123456789012/sc-test-stream-handler-on-failure"
    }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:sc-test-stream-handler" }
  }
}

variables {
  name = "sc-test"
  code = {
    api            = { s3_bucket = "sc-test-artifacts", s3_key = "api/0123.zip", source_code_hash = "YXBpLXppcC1oYXNo" }
    stream_handler = { s3_bucket = "sc-test-artifacts", s3_key = "stream-handler/4567.zip", source_code_hash = "aGFuZGxlci16aXAtaGFzaA==" }
  }
  table = {
    name       = "sc-test-items"
    arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items"
    stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items/stream/2024-01-01T00:00:00.000"
  }
  cache = {
    redis_url       = "rediss://master.sc-test-cache.abc123.euw1.cache.amazonaws.com:6379"
    auth_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"
  }
  # Action prefixes that touch data or secrets: a statement with any of them may never use "*".
  data_action_pattern = "^(dynamodb|sqs|secretsmanager|kms|s3|logs):"
}

run "api_role_is_least_privilege" {
  command = apply

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.this["api"].policy).Statement : s.Action])) == toset([
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan",
      "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
      "secretsmanager:GetSecretValue",
    ])
    error_message = "The API role must allow exactly the table actions its code calls (GetItem, PutItem, Scan), its logs, X-Ray and its secret."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this["api"].policy).Statement :
      s.Resource == ["arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items"] if anytrue([for a in s.Action : startswith(a, "dynamodb:")])
    ])
    error_message = "The API's DynamoDB actions must target the table only."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this["api"].policy).Statement :
      s.Resource == ["${aws_cloudwatch_log_group.this["api"].arn}:*"] if anytrue([for a in s.Action : startswith(a, "logs:")])
    ])
    error_message = "The API may write only to its own log group."
  }
  assert {
    condition     = jsondecode(aws_iam_role.this["api"].assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the API role."
  }
}

run "role_names_are_unique_per_region" {
  command = plan

  # IAM names are global: the same name deployed in a second region must not collide.
  assert {
    condition     = aws_iam_role.this["api"].name == "sc-test-api-eu-west-1" && aws_iam_role.this["stream_handler"].name == "sc-test-stream-handler-eu-west-1"
    error_message = "Role names must be <function name>-<region>, so one name can be deployed in several regions."
  }
}

run "stream_handler_role_is_least_privilege" {
  command = apply

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.this["stream_handler"].policy).Statement : s.Action])) == toset([
      "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
      "sqs:SendMessage", "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
      "secretsmanager:GetSecretValue",
    ])
    error_message = "The stream handler role must allow exactly the stream reads, its queue, its logs, X-Ray and its secret."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this["stream_handler"].policy).Statement :
      alltrue([for r in s.Resource : startswith(r, "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items/stream/")])
      if anytrue([for a in s.Action : startswith(a, "dynamodb:")])
    ])
    error_message = "The stream handler's DynamoDB actions must target the table's stream only (never the table)."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this["stream_handler"].policy).Statement :
      s.Resource == [aws_sqs_queue.this.arn] if contains(s.Action, "sqs:SendMessage")
    ])
    error_message = "The stream handler may send only to its on-failure queue."
  }
}

run "no_wildcard_resources_on_data_actions_and_own_secret_only" {
  command = apply

  assert {
    condition = !anytrue(flatten([
      for key in ["api", "stream_handler"] : [
        for s in jsondecode(aws_iam_role_policy.this[key].policy).Statement :
        contains(s.Resource, "*") if anytrue([for a in s.Action : can(regex(var.data_action_pattern, a))])
      ]
    ]))
    error_message = "No data action may be granted on the \"*\" resource."
  }
  assert {
    condition = length(setsubtract(
      flatten([
        for s in jsondecode(aws_iam_role_policy.this["api"].policy).Statement :
        s.Resource if anytrue([for a in s.Action : can(regex(var.data_action_pattern, a))])
      ]),
      [
        var.table.arn,
        var.cache.auth_secret_arn,
        "${aws_cloudwatch_log_group.this["api"].arn}:*",
      ]
    )) == 0
    error_message = "The API's data actions may target only its table, its secret and its log group."
  }
  assert {
    condition = length(setsubtract(
      flatten([
        for s in jsondecode(aws_iam_role_policy.this["stream_handler"].policy).Statement :
        s.Resource if anytrue([for a in s.Action : can(regex(var.data_action_pattern, a))])
      ]),
      [
        var.table.stream_arn,
        "${var.table.arn}/stream/*",
        aws_sqs_queue.this.arn,
        var.cache.auth_secret_arn,
        "${aws_cloudwatch_log_group.this["stream_handler"].arn}:*",
      ]
    )) == 0
    error_message = "The stream handler's data actions may target only the stream, its queue, its secret and its log group."
  }
  assert {
    condition = alltrue(flatten([
      for key in ["api", "stream_handler"] : [
        for s in jsondecode(aws_iam_role_policy.this[key].policy).Statement :
        s.Resource == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"] if contains(s.Action, "secretsmanager:GetSecretValue")
      ]
    ]))
    error_message = "Each function may read only the cache AUTH secret."
  }
  assert {
    condition = alltrue([
      for key in ["api", "stream_handler"] : alltrue([
        for s in jsondecode(aws_iam_role_policy.this[key].policy).Statement : s.Effect == "Allow" && !contains(s.Action, "*") && !anytrue([for a in s.Action : endswith(a, ":*")])
      ])
    ])
    error_message = "Actions must be listed one by one, never as service wildcards."
  }
  assert {
    condition     = !anytrue([for key in ["api", "stream_handler"] : strcontains(aws_iam_role_policy.this[key].policy, "ec2:")])
    error_message = "Functions outside a VPC get no EC2 permissions."
  }
}

run "functions_run_the_zips_with_tracing_and_json_logs" {
  command = apply

  assert {
    condition = alltrue([
      for fn in aws_lambda_function.this : fn.runtime == "provided.al2023" && fn.handler == "bootstrap" && fn.architectures == tolist(["x86_64"])
    ])
    error_message = "Both functions run bootstrap on provided.al2023, x86_64 by default."
  }
  assert {
    condition = (
      aws_lambda_function.this["api"].s3_bucket == "sc-test-artifacts" && aws_lambda_function.this["api"].s3_key == "api/0123.zip" &&
      aws_lambda_function.this["api"].source_code_hash == "YXBpLXppcC1oYXNo" &&
      aws_lambda_function.this["stream_handler"].s3_key == "stream-handler/4567.zip"
    )
    error_message = "Functions must load their code from the given S3 objects with their hash."
  }
  assert {
    condition     = alltrue([for fn in aws_lambda_function.this : fn.tracing_config[0].mode == "Active"])
    error_message = "X-Ray tracing must be active."
  }
  assert {
    condition     = alltrue([for k, fn in aws_lambda_function.this : fn.logging_config[0].log_format == "JSON" && fn.logging_config[0].log_group == aws_cloudwatch_log_group.this[k].name])
    error_message = "Functions must log JSON to their own log group."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this["api"].name == "/aws/lambda/sc-test-api" && aws_cloudwatch_log_group.this["stream_handler"].retention_in_days == 30
    error_message = "Log groups must be named after the functions and keep logs for 30 days by default."
  }
  assert {
    condition = alltrue([for fn in aws_lambda_function.this : fn.environment[0].variables == tomap({
      TABLE_NAME            = "sc-test-items"
      REDIS_URL             = "rediss://master.sc-test-cache.abc123.euw1.cache.amazonaws.com:6379"
      REDIS_AUTH_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"
      CACHE_TTL_SECONDS     = "300"
      TOMBSTONE_TTL_SECONDS = "7200"
      NEGATIVE_TTL_SECONDS  = "30"
      CACHE_WRITE_THROUGH   = "true"
      LOG_LEVEL             = "info"
    })])
    error_message = "Both functions must receive the shared configuration."
  }
  assert {
    condition     = alltrue([for fn in aws_lambda_function.this : length(fn.vpc_config) == 0])
    error_message = "No VPC configuration unless one is given."
  }
}

run "quiet_log_levels_keep_the_emf_metrics_lines" {
  command = plan

  variables {
    settings = { log_level = "error" }
  }

  # EMF lines have no "level", which Lambda's filter counts as INFO (infra.aws_rules.log-levels checks every level).
  assert {
    condition     = alltrue([for fn in aws_lambda_function.this : fn.logging_config[0].application_log_level == "TRACE" && fn.environment[0].variables.LOG_LEVEL == "error"])
    error_message = "Lambda's application log filter must pass every line (TRACE); the functions filter their own lines by LOG_LEVEL."
  }
}

run "stream_mapping_is_bounded_and_reports_item_failures" {
  command = apply

  assert {
    condition = (
      aws_lambda_event_source_mapping.this[0].event_source_arn == var.table.stream_arn &&
      aws_lambda_event_source_mapping.this[0].function_name == aws_lambda_function.this["stream_handler"].arn &&
      aws_lambda_event_source_mapping.this[0].starting_position == "TRIM_HORIZON"
    )
    error_message = "The mapping must read the table's stream from TRIM_HORIZON into the stream handler."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this[0].function_response_types == toset(["ReportBatchItemFailures"]) && aws_lambda_event_source_mapping.this[0].bisect_batch_on_function_error
    error_message = "The mapping must use ReportBatchItemFailures and bisect on error."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this[0].maximum_retry_attempts == 100 && aws_lambda_event_source_mapping.this[0].maximum_record_age_in_seconds == 3600
    error_message = "Retries and record age must be bounded."
  }
  assert {
    # Each delivery lasts the handler's budget while Redis is down: timeout - max(1 s, 10 %).
    condition = (
      (aws_lambda_event_source_mapping.this[0].maximum_retry_attempts + 1) *
      (aws_lambda_function.this["stream_handler"].timeout - max(1, aws_lambda_function.this["stream_handler"].timeout / 10)) >= 1800 &&
      aws_lambda_event_source_mapping.this[0].maximum_record_age_in_seconds >= 1800 + aws_lambda_function.this["stream_handler"].timeout
    )
    error_message = "The default mapping must keep retrying a batch through a Redis outage of at least 30 minutes."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this[0].destination_config[0].on_failure[0].destination_arn == aws_sqs_queue.this.arn
    error_message = "Failed batches must go to the SQS on-failure queue."
  }
  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled && jsondecode(aws_sqs_queue_policy.this.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "The on-failure queue must be encrypted and refuse plain HTTP."
  }
}

run "vpc_functions_get_eni_permissions" {
  command = apply

  variables {
    vpc = { subnet_ids = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"], security_group_ids = ["sg-0ccccccccccccccc0"] }
  }

  assert {
    condition     = alltrue([for fn in aws_lambda_function.this : fn.vpc_config[0].subnet_ids == toset(["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]) && fn.vpc_config[0].security_group_ids == toset(["sg-0ccccccccccccccc0"])])
    error_message = "Both functions must run in the given subnets and security group."
  }
  assert {
    condition     = alltrue([for key in ["api", "stream_handler"] : strcontains(aws_iam_role_policy.this[key].policy, "ec2:CreateNetworkInterface")])
    error_message = "Functions in a VPC need the ENI permissions."
  }
}

run "customer_keys_are_scoped_to_their_service" {
  command = apply

  variables {
    table = {
      name        = "sc-test-items"
      arn         = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items"
      stream_arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items/stream/2024-01-01T00:00:00.000"
      kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    }
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
  }

  assert {
    condition = alltrue(flatten([
      for key in ["api", "stream_handler"] : [
        for s in jsondecode(aws_iam_role_policy.this[key].policy).Statement :
        length(s.Resource) == 1 && can(s.Condition.StringLike["kms:ViaService"]) if anytrue([for a in s.Action : startswith(a, "kms:")])
      ]
    ]))
    error_message = "KMS permissions must name one key and be limited to use through its service."
  }
  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222" && aws_lambda_function.this["api"].kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
    error_message = "The customer key must encrypt the queue and the environment."
  }
}

run "mapping_can_be_left_out_and_secret_is_optional" {
  command = plan

  variables {
    event_source_mapping = { create = false }
    cache                = { redis_url = "redis://redis:6379" }
    environment_variables = {
      AWS_ENDPOINT_URL = "http://localhost.localstack.cloud:4566"
    }
  }

  assert {
    condition     = length(aws_lambda_event_source_mapping.this) == 0
    error_message = "create = false must leave the mapping out."
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.this["api"].environment[0].variables), "REDIS_AUTH_SECRET_ARN") && aws_lambda_function.this["api"].environment[0].variables["AWS_ENDPOINT_URL"] == "http://localhost.localstack.cloud:4566"
    error_message = "Without a secret there is no REDIS_AUTH_SECRET_ARN; extra variables are passed."
  }
}

run "iam_auth_sets_the_variables_and_grants_connect_only" {
  command = apply

  variables {
    cache = {
      redis_url = "rediss://sc-test-cache-abc123.serverless.euw1.cache.amazonaws.com:6379"
      iam = {
        user_id               = "sc-test-app"
        cache_name            = "sc-test-cache"
        serverless            = true
        connect_resource_arns = ["arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache", "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-app"]
      }
    }
  }

  assert {
    condition = alltrue([for key in ["api", "stream_handler"] : (
      aws_lambda_function.this[key].environment[0].variables["REDIS_AUTH"] == "iam" &&
      aws_lambda_function.this[key].environment[0].variables["REDIS_USER"] == "sc-test-app" &&
      aws_lambda_function.this[key].environment[0].variables["REDIS_CACHE_NAME"] == "sc-test-cache" &&
      aws_lambda_function.this[key].environment[0].variables["REDIS_CACHE_SERVERLESS"] == "true" &&
      !contains(keys(aws_lambda_function.this[key].environment[0].variables), "REDIS_AUTH_SECRET_ARN")
    )])
    error_message = "Both functions must get REDIS_AUTH=iam, REDIS_USER, REDIS_CACHE_NAME and REDIS_CACHE_SERVERLESS, and no secret."
  }
  assert {
    condition = alltrue([for key in ["api", "stream_handler"] : anytrue([
      for s in jsondecode(aws_iam_role_policy.this[key].policy).Statement :
      s.Action == ["elasticache:Connect"] && s.Resource == ["arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache", "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-app"]
    ])])
    error_message = "Both roles must allow elasticache:Connect on the cache and the user."
  }
  assert {
    condition = alltrue([for key in ["api", "stream_handler"] : !anytrue([
      for s in jsondecode(aws_iam_role_policy.this[key].policy).Statement :
      anytrue([for a in s.Action : startswith(a, "secretsmanager:")])
    ])])
    error_message = "With IAM auth no role may read a secret."
  }
}

run "rejects_iam_auth_with_a_secret_or_without_tls" {
  command = plan

  variables {
    cache = {
      redis_url       = "redis://cache.internal:6379"
      auth_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"
      iam = {
        user_id               = "sc-test-app"
        cache_name            = "sc-test-cache"
        serverless            = false
        connect_resource_arns = ["arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:sc-test-cache", "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-app"]
      }
    }
  }

  expect_failures = [var.cache]
}

run "rejects_unbounded_retries" {
  command = plan

  variables {
    event_source_mapping = { maximum_retry_attempts = -1 }
  }

  expect_failures = [var.event_source_mapping]
}

run "rejects_unbounded_record_age" {
  command = plan

  variables {
    event_source_mapping = { maximum_record_age_in_seconds = -1 }
  }

  expect_failures = [var.event_source_mapping]
}

run "rejects_a_tombstone_ttl_shorter_than_the_stream_lag_bound" {
  command = plan

  variables {
    settings = { tombstone_ttl_seconds = 600 }
  }

  expect_failures = [aws_lambda_function.this]
}

run "rejects_a_tombstone_ttl_whose_jitter_reaches_below_the_stream_lag_bound" {
  command = plan

  variables {
    # Above the 3630 s bound (30 s timeout + 1 h record age), but a tombstone may live only 3700 * 0.9 = 3330 s.
    settings = { tombstone_ttl_seconds = 3700 }
  }

  expect_failures = [aws_lambda_function.this]
}

run "rejects_overriding_the_managed_environment" {
  command = plan

  variables {
    environment_variables = { REDIS_AUTH_TOKEN = "plain-text-token" }
  }

  expect_failures = [var.environment_variables]
}

run "rejects_an_api_timeout_beyond_api_gateway" {
  command = plan

  variables {
    api = { timeout = 60 }
  }

  expect_failures = [var.api]
}

run "rejects_zero_reserved_concurrency" {
  command = plan

  variables {
    stream_handler = { reserved_concurrency = 0 }
  }

  expect_failures = [var.stream_handler]
}

run "rejects_zero_reserved_concurrency_for_the_api" {
  command = plan

  variables {
    api = { reserved_concurrency = 0 }
  }

  expect_failures = [var.api]
}

run "accepts_a_reservation_of_one" {
  command = plan

  variables {
    api = { reserved_concurrency = 1 }
  }

  assert {
    condition     = aws_lambda_function.this["api"].reserved_concurrent_executions == 1
    error_message = "A reservation of 1 must reach the function."
  }
}

run "tracing_can_pass_the_callers_decision_through" {
  command = plan

  variables {
    tracing_mode = "PassThrough"
  }

  assert {
    condition     = alltrue([for fn in aws_lambda_function.this : fn.tracing_config[0].mode == "PassThrough"])
    error_message = "tracing_mode must reach both functions' tracing_config."
  }
}

run "tracing_mode_is_checked" {
  command = plan

  variables {
    tracing_mode = "On"
  }

  expect_failures = [var.tracing_mode]
}
