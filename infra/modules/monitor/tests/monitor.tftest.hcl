mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  # The provider validates ARN arguments even when mocked, so these computed ARNs need a valid shape.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/sc-test-monitor" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:sc-test-monitor" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/sc-test-monitor" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/sc-test-monitor" }
  }
}

variables {
  name = "sc-test"
  code = { s3_bucket = "sc-test-artifacts", s3_key = "monitor/89ab.zip", source_code_hash = "bW9uaXRvci16aXA=" }
  table = {
    name = "sc-test-items"
    arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items"
  }
  cache = {
    redis_url = "rediss://master.sc-test-cache.abc123.euw1.cache.amazonaws.com:6379"
  }
}

run "schedule_invokes_the_monitor" {
  command = apply

  variables {
    check = { schedule = "rate(10 minutes)", sample_size = 80, grace_seconds = 45, timeout = 120 }
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.schedule_expression == "rate(10 minutes)"
    error_message = "The rule must run on check.schedule."
  }
  assert {
    condition     = aws_cloudwatch_event_target.this.arn == aws_lambda_function.this.arn && aws_cloudwatch_event_target.this.rule == aws_cloudwatch_event_rule.this.name
    error_message = "The rule's target must be the monitor function."
  }
  assert {
    condition     = aws_lambda_permission.this.principal == "events.amazonaws.com" && aws_lambda_permission.this.source_arn == aws_cloudwatch_event_rule.this.arn && aws_lambda_permission.this.action == "lambda:InvokeFunction"
    error_message = "Only this rule may invoke the monitor."
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.MONITOR_SAMPLE_SIZE == "80" && aws_lambda_function.this.environment[0].variables.MONITOR_GRACE_SECONDS == "45"
    error_message = "The function must get its sample size and grace window from check."
  }
  assert {
    condition     = aws_lambda_function.this.timeout == 120 && aws_lambda_function.this.reserved_concurrent_executions == 1
    error_message = "The monitor runs one at a time with check.timeout."
  }
}

run "role_is_least_privilege_without_a_vpc_or_secret" {
  command = apply

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action])) == toset([
      "dynamodb:GetItem", "logs:CreateLogStream", "logs:PutLogEvents",
    ])
    error_message = "The monitor may only read items and write its own logs."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Resource == ["arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items"] if anytrue([for a in s.Action : startswith(a, "dynamodb:")])
    ])
    error_message = "GetItem must target the items table only."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Resource == ["${aws_cloudwatch_log_group.this.arn}:*"] if anytrue([for a in s.Action : startswith(a, "logs:")])
    ])
    error_message = "The monitor may write only to its own log group."
  }
  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the monitor's role."
  }
  assert {
    condition     = aws_iam_role.this.name == "sc-test-monitor-eu-west-1"
    error_message = "The role name must be <function name>-<region>."
  }
}

run "role_gains_vpc_and_secret_access_only_when_configured" {
  command = apply

  variables {
    cache = {
      redis_url       = "rediss://master.sc-test-cache.abc123.euw1.cache.amazonaws.com:6379"
      auth_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"
    }
    vpc = { subnet_ids = ["subnet-0123456789abcdef0"], security_group_ids = ["sg-0123456789abcdef0"] }
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action])) == toset([
      "dynamodb:GetItem", "logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue",
      "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
      "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses",
    ])
    error_message = "With a secret and a VPC the role gains exactly the secret read and Lambda's ENI actions."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Resource == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"] if anytrue([for a in s.Action : startswith(a, "secretsmanager:")])
    ])
    error_message = "The secret read must target the AUTH secret only."
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.REDIS_AUTH_SECRET_ARN == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"
    error_message = "The function must be told where its AUTH secret is."
  }
}

run "iam_auth_gets_connect_on_the_cache_and_user_and_no_secret" {
  command = apply

  variables {
    cache = {
      redis_url = "rediss://sc-test-cache.serverless.euw1.cache.amazonaws.com:6379"
      iam = {
        user_id    = "sc-test-iam"
        cache_name = "sc-test-cache"
        serverless = true
        connect_resource_arns = [
          "arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache",
          "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-iam",
        ]
      }
    }
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action])) == toset([
      "dynamodb:GetItem", "logs:CreateLogStream", "logs:PutLogEvents", "elasticache:Connect",
    ])
    error_message = "With IAM auth the role gains exactly elasticache:Connect (no secret read)."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Resource == [
        "arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache",
        "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-iam",
      ] if anytrue([for a in s.Action : startswith(a, "elasticache:")])
    ])
    error_message = "elasticache:Connect must name only the cache and its IAM user."
  }
  assert {
    condition = (
      aws_lambda_function.this.environment[0].variables.REDIS_AUTH == "iam" &&
      aws_lambda_function.this.environment[0].variables.REDIS_USER == "sc-test-iam" &&
      aws_lambda_function.this.environment[0].variables.REDIS_CACHE_NAME == "sc-test-cache" &&
      aws_lambda_function.this.environment[0].variables.REDIS_CACHE_SERVERLESS == "true" &&
      !contains(keys(aws_lambda_function.this.environment[0].variables), "REDIS_AUTH_SECRET_ARN")
    )
    error_message = "The function must get the IAM auth settings the other functions get, and no secret."
  }
}

run "iam_auth_with_a_secret_is_refused" {
  command = plan

  variables {
    cache = {
      redis_url       = "rediss://sc-test-cache.serverless.euw1.cache.amazonaws.com:6379"
      auth_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf"
      iam = {
        user_id               = "sc-test-iam"
        cache_name            = "sc-test-cache"
        serverless            = true
        connect_resource_arns = ["arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache", "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-iam"]
      }
    }
  }

  expect_failures = [var.cache]
}

run "arm64_runs_on_graviton" {
  command = plan

  variables {
    architecture = "arm64"
  }

  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "architecture = arm64 must run the monitor on arm64."
  }
}

run "alarm_fires_on_any_inconsistency" {
  command = apply

  variables {
    alarm = { actions = ["arn:aws:sns:eu-west-1:123456789012:sc-test-alerts"] }
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this.namespace == "streamcache" && aws_cloudwatch_metric_alarm.this.metric_name == "CacheEntriesInconsistent"
    error_message = "The alarm must watch the monitor's CacheEntriesInconsistent metric."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this.dimensions.FunctionName == aws_lambda_function.this.function_name
    error_message = "The alarm's FunctionName dimension must be the monitor's (the EMF line's dimension)."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this.comparison_operator == "GreaterThanThreshold" && aws_cloudwatch_metric_alarm.this.threshold == 0 && aws_cloudwatch_metric_alarm.this.statistic == "Sum"
    error_message = "Any inconsistent entry (Sum > 0) must raise the alarm."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this.treat_missing_data == "notBreaching"
    error_message = "A run with nothing to report is not an alarm."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:sc-test-alerts"])
    error_message = "The alarm must notify alarm.actions."
  }
}

run "a_timeout_shorter_than_the_grace_window_is_refused" {
  command = plan

  variables {
    check = { grace_seconds = 60, timeout = 60 }
  }

  expect_failures = [var.check]
}

run "a_sample_size_of_zero_is_refused" {
  command = plan

  variables {
    check = { sample_size = 0 }
  }

  expect_failures = [var.check]
}
