# Composition test of the AWS environment against a mocked provider: the modules are wired so that
# the functions run in the private subnets, reach the cache over TLS with the generated AUTH secret,
# and the stream feeds the stream handler.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
  mock_data "aws_prefix_list" {
    defaults = { id = "pl-6da54004" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "MockedAuthToken0123456789abcdefgMockedAuthToken0123456789abcdefg" }
  }
  # The provider validates ARN arguments even when mocked, so computed ARNs need a valid shape.
  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items"
      stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items/stream/2024-01-01T00:00:00.000"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:mock" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf" }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = {
      primary_endpoint_address       = "master.sc-test-cache.abc123.euw1.cache.amazonaws.com"
      configuration_endpoint_address = "clustercfg.sc-test-cache.abc123.euw1.cache.amazonaws.com"
      arn                            = "arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:sc-test-cache"
    }
  }
  mock_resource "aws_elasticache_serverless_cache" {
    defaults = {
      endpoint = [{ address = "sc-test-cache-abc123.serverless.euw1.cache.amazonaws.com", port = 6379 }]
      arn      = "arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache"
    }
  }
  mock_resource "aws_elasticache_user" {
    defaults = { arn = "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-app" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock/invocations"
    }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/sc-test-monitor" }
  }
  mock_resource "aws_apigatewayv2_stage" {
    defaults = { execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default" }
  }
}

variables {
  name     = "sc-test"
  region   = "eu-west-1"
  dist_dir = "../../tests/fixtures/dist"
}

run "functions_reach_the_managed_cache_over_tls_from_private_subnets" {
  command = apply

  assert {
    condition     = output.functions["api"].s3_bucket == output.artifacts_bucket && startswith(output.functions["stream_handler"].s3_key, "stream-handler/")
    error_message = "Both functions must load their code from the artifacts bucket."
  }
  assert {
    condition     = startswith(nonsensitive(output.redis_url), "rediss://") && module.functions.environment["REDIS_AUTH_SECRET_ARN"] == output.cache_auth_secret_arn
    error_message = "Functions must get a TLS URL and the generated AUTH secret."
  }
  assert {
    condition = alltrue([
      for fn in output.functions : fn.vpc_subnet_ids == sort(module.network.subnet_ids) && fn.vpc_sg_ids == tolist([module.network.lambda_security_group_id])
    ]) && length(module.network.subnet_ids) == 2
    error_message = "Both functions must run in the two private subnets with the function security group."
  }
  assert {
    condition     = output.table_stream_arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/sc-test-items/stream/2024-01-01T00:00:00.000" && module.functions.event_source_mapping_uuid != null
    error_message = "The stream must feed the stream handler."
  }
  assert {
    condition     = output.dashboard_name == "sc-test"
    error_message = "Alarms and the dashboard must be created."
  }
  assert {
    condition     = tomap({ for k, v in module.monitor[0].environment : k => v if startswith(k, "REDIS_") }) == tomap({ for k, v in module.functions.environment : k => v if startswith(k, "REDIS_") })
    error_message = "The monitor must get the same Redis URL and AUTH secret as the functions."
  }
  assert {
    condition = anytrue([
      for st in jsondecode(module.monitor[0].policy).Statement : st.Action == ["secretsmanager:GetSecretValue"] && st.Resource == [output.cache_auth_secret_arn]
    ]) && !strcontains(module.monitor[0].policy, "elasticache:")
    error_message = "With password auth the monitor's role reads the AUTH secret, and has no elasticache:Connect."
  }
}

run "x86_64_is_the_default_and_deploys_the_x86_64_zips" {
  command = apply

  assert {
    condition     = alltrue([for fn in module.functions.functions : fn.architectures == tolist(["x86_64"])])
    error_message = "Without architecture, both functions must be x86_64."
  }
  assert {
    condition     = output.functions["api"].s3_key == "api/${filesha256("../../tests/fixtures/dist/api.zip")}.zip" && output.functions["stream_handler"].s3_key == "stream-handler/${filesha256("../../tests/fixtures/dist/stream-handler.zip")}.zip"
    error_message = "x86_64 must deploy <dist_dir>/api.zip and <dist_dir>/stream-handler.zip."
  }
  assert {
    condition     = module.monitor[0].architectures == tolist(["x86_64"]) && module.artifacts.packages["monitor"].s3_key == "monitor/${filesha256("../../tests/fixtures/dist/monitor.zip")}.zip"
    error_message = "x86_64 must deploy <dist_dir>/monitor.zip on x86_64."
  }
}

run "arm64_deploys_the_arm64_zips_on_graviton" {
  command = apply

  variables {
    architecture = "arm64"
  }

  assert {
    condition     = alltrue([for fn in module.functions.functions : fn.architectures == tolist(["arm64"])])
    error_message = "architecture = arm64 must set architectures = [\"arm64\"] on both functions."
  }
  assert {
    condition     = output.functions["api"].s3_key == "api/${filesha256("../../tests/fixtures/dist/arm64/api.zip")}.zip" && output.functions["stream_handler"].s3_key == "stream-handler/${filesha256("../../tests/fixtures/dist/arm64/stream-handler.zip")}.zip"
    error_message = "arm64 must deploy <dist_dir>/arm64/api.zip and <dist_dir>/arm64/stream-handler.zip."
  }
  assert {
    condition     = module.artifacts.packages["api"].source_code_hash == filebase64sha256("../../tests/fixtures/dist/arm64/api.zip")
    error_message = "The api function's source_code_hash must be the arm64 zip's."
  }
  assert {
    condition     = module.monitor[0].architectures == tolist(["arm64"]) && module.artifacts.packages["monitor"].s3_key == "monitor/${filesha256("../../tests/fixtures/dist/arm64/monitor.zip")}.zip"
    error_message = "arm64 must deploy <dist_dir>/arm64/monitor.zip on arm64 too."
  }
}

run "rejects_an_unknown_architecture" {
  command = plan

  variables {
    architecture = "aarch64"
  }

  expect_failures = [var.architecture]
}

run "serverless_cache_with_iam_auth_has_no_secret_and_both_ports" {
  command = apply

  variables {
    cache = {
      mode = "serverless"
      auth = "iam"
    }
  }

  assert {
    condition     = module.cache.mode == "serverless" && module.cache.replication_group_id == null && output.cache_auth_secret_arn == null
    error_message = "Serverless IAM mode creates a serverless cache and no secret."
  }
  assert {
    condition = (
      module.functions.environment["REDIS_AUTH"] == "iam" &&
      module.functions.environment["REDIS_USER"] == "sc-test-app" &&
      module.functions.environment["REDIS_CACHE_NAME"] == "sc-test-cache" &&
      module.functions.environment["REDIS_CACHE_SERVERLESS"] == "true" &&
      !contains(keys(module.functions.environment), "REDIS_AUTH_SECRET_ARN") &&
      nonsensitive(output.redis_url) == "rediss://sc-test-cache-abc123.serverless.euw1.cache.amazonaws.com:6379"
    )
    error_message = "The functions must get the IAM auth variables and the serverless TLS endpoint."
  }
  assert {
    condition     = length(module.network.interface_endpoint_ids) == 0
    error_message = "IAM auth needs no Secrets Manager endpoint."
  }
  assert {
    condition     = tomap({ for k, v in module.monitor[0].environment : k => v if startswith(k, "REDIS_") }) == tomap({ for k, v in module.functions.environment : k => v if startswith(k, "REDIS_") })
    error_message = "The monitor must get the same Redis settings as the functions (IAM auth)."
  }
  assert {
    condition = toset(flatten([for st in jsondecode(module.monitor[0].policy).Statement : st.Action if anytrue([for a in st.Action : startswith(a, "elasticache:") || startswith(a, "secretsmanager:")])])) == toset(["elasticache:Connect"]) && alltrue([
      for st in jsondecode(module.monitor[0].policy).Statement : tolist(st.Resource) == tolist(module.cache.iam.connect_resource_arns) if contains(st.Action, "elasticache:Connect")
    ])
    error_message = "With IAM auth the monitor's role gets elasticache:Connect on the cache and its user, and no secret read."
  }
}

run "cluster_mode_with_password_auth" {
  command = plan

  variables {
    cache = {
      mode    = "cluster"
      managed = { shards = 3 }
    }
  }

  assert {
    condition     = module.cache.mode == "cluster" && module.cache.auth == "password" && module.cache.iam == null
    error_message = "Cluster mode with the default password auth."
  }
  assert {
    condition     = length(module.network.interface_endpoint_ids) == 1
    error_message = "Password auth keeps the Secrets Manager endpoint."
  }
}

run "the_monitor_reaches_a_cluster_mode_cache_like_the_functions" {
  command = apply

  variables {
    cache = {
      mode    = "cluster"
      managed = { shards = 3 }
    }
  }

  assert {
    condition     = tomap({ for k, v in module.monitor[0].environment : k => v if startswith(k, "REDIS_") }) == tomap({ for k, v in module.functions.environment : k => v if startswith(k, "REDIS_") }) && startswith(module.monitor[0].environment["REDIS_URL"], "rediss://clustercfg.")
    error_message = "The monitor must get the configuration endpoint and the AUTH secret the functions get."
  }
}

run "rejects_serverless_with_password_auth" {
  command = plan

  variables {
    cache = { mode = "serverless" }
  }

  expect_failures = [var.cache]
}

run "an_external_cache_needs_no_elasticache" {
  command = plan

  variables {
    cache = {
      mode     = "external"
      external = { url = "rediss://cache.example.internal:6380" }
    }
  }

  assert {
    condition     = module.cache.mode == "external" && module.cache.replication_group_id == null
    error_message = "External mode must not create ElastiCache."
  }
  assert {
    condition     = module.monitor[0].environment["REDIS_URL"] == "rediss://cache.example.internal:6380" && !contains(keys(module.monitor[0].environment), "REDIS_AUTH")
    error_message = "The monitor must reach the external cache at its URL, with password auth."
  }
}

run "the_api_requires_sigv4_by_default" {
  command = plan

  variables {
    http_api = { function_url = { enabled = true } }
  }

  assert {
    condition     = alltrue([for r in module.http_api.routes : r == "$default"]) && length(module.http_api.routes) == 1
    error_message = "The API must send every request to the function through the one $default route."
  }
  assert {
    condition     = output.api_auth == "iam" && module.http_api.authorization_type == "AWS_IAM" && module.http_api.authorizer_id == null
    error_message = "api_auth must default to iam: AWS_IAM on every route, no authorizer."
  }
  assert {
    condition     = module.http_api.function_url_authorization_type == "AWS_IAM"
    error_message = "An enabled Function URL must follow api_auth = iam with AWS_IAM."
  }
  assert {
    condition     = startswith(output.curl_example, "curl --aws-sigv4 \"aws:amz:eu-west-1:execute-api\" --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"")
    error_message = "The curl example must sign for execute-api in the deployment's region."
  }
}

run "jwt_puts_an_authorizer_on_every_route" {
  command = plan

  variables {
    api_auth = "jwt"
    jwt      = { issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", audiences = ["client-a"] }
  }

  assert {
    condition     = module.http_api.authorization_type == "JWT" && module.http_api.function_url == null
    error_message = "api_auth = jwt must protect the routes with the JWT authorizer and create no Function URL."
  }
  assert {
    condition     = startswith(output.curl_example, "curl -H \"Authorization: Bearer $TOKEN\"")
    error_message = "The curl example must send a bearer token."
  }
}

run "none_is_public_and_warned_about" {
  command = plan

  variables {
    api_auth = "none"
    http_api = { function_url = { enabled = true } }
  }

  assert {
    condition     = module.http_api.authorization_type == "NONE" && module.http_api.function_url_authorization_type == "NONE"
    error_message = "api_auth = none must make the routes and the Function URL public."
  }
  # The check block's failed assertion is the plan's warning.
  expect_failures = [check.api_auth]
}

run "rejects_an_unknown_api_auth" {
  command = plan

  variables {
    api_auth = "cognito"
  }

  expect_failures = [var.api_auth]
}

run "rejects_jwt_without_its_settings" {
  command = plan

  variables {
    api_auth = "jwt"
  }

  expect_failures = [output.api_auth]
}

run "rejects_jwt_settings_without_api_auth_jwt" {
  command = plan

  variables {
    jwt = { issuer = "https://issuer.example.com", audiences = ["api"] }
  }

  expect_failures = [output.api_auth]
}

run "rejects_jwt_without_issuer" {
  command = plan

  variables {
    api_auth = "jwt"
    jwt      = { audiences = ["api"] }
  }

  expect_failures = [var.jwt]
}

run "rejects_jwt_without_audiences" {
  command = plan

  variables {
    api_auth = "jwt"
    jwt      = { issuer = "https://issuer.example.com" }
  }

  expect_failures = [var.jwt]
}

run "rejects_a_function_url_next_to_jwt" {
  command = plan

  variables {
    api_auth = "jwt"
    jwt      = { issuer = "https://issuer.example.com", audiences = ["api"] }
    http_api = { function_url = { enabled = true } }
  }

  expect_failures = [output.api_auth]
}

run "rejects_the_replaced_authorization_type" {
  command = plan

  variables {
    http_api = { authorization_type = "NONE" }
  }

  expect_failures = [var.http_api]
}

run "the_consistency_monitor_runs_from_the_artifacts_bucket_in_the_vpc" {
  command = apply

  assert {
    condition     = module.monitor[0].function_name == "sc-test-monitor" && output.monitor.alarm_arn == module.monitor[0].alarm_arn
    error_message = "The monitor must be deployed by default, with its alarm."
  }
  assert {
    condition     = startswith(module.artifacts.packages["monitor"].s3_key, "monitor/")
    error_message = "The monitor's code must come from the artifacts bucket."
  }
}

run "the_consistency_monitor_can_be_left_out" {
  command = plan

  variables {
    monitor = { enabled = false }
  }

  assert {
    condition     = length(module.monitor) == 0 && output.monitor == null && !contains(keys(module.artifacts.packages), "monitor")
    error_message = "monitor.enabled = false must deploy no monitor and upload no monitor.zip."
  }
}
