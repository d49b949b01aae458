mock_provider "aws" {
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "MockedAuthToken0123456789abcdefgMockedAuthToken0123456789abcdefg" }
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
      endpoint        = [{ address = "sc-test-cache-abc123.serverless.euw1.cache.amazonaws.com", port = 6379 }]
      reader_endpoint = [{ address = "sc-test-cache-abc123.serverless.euw1.cache.amazonaws.com", port = 6380 }]
      arn             = "arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache"
    }
  }
  mock_resource "aws_elasticache_user" {
    defaults = { arn = "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-app" }
  }
}

variables {
  name = "sc-test"
  managed = {
    subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
    security_group_ids = ["sg-0ccccccccccccccc0"]
  }
}

run "managed_cache_requires_tls_and_encrypts_at_rest" {
  command = apply

  assert {
    condition = (
      aws_elasticache_replication_group.this[0].transit_encryption_enabled == true &&
      aws_elasticache_replication_group.this[0].transit_encryption_mode == "required"
    )
    error_message = "In-transit encryption must be on and required."
  }
  assert {
    condition     = tobool(aws_elasticache_replication_group.this[0].at_rest_encryption_enabled)
    error_message = "At-rest encryption must be on."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].auth_token == aws_secretsmanager_secret_version.this[0].secret_string && length(aws_elasticache_replication_group.this[0].auth_token) == 64
    error_message = "The AUTH token must be the generated secret."
  }
  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_id == aws_secretsmanager_secret.this[0].id
    error_message = "The token must be stored in the module's secret."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].engine == "valkey" && aws_elasticache_replication_group.this[0].engine_version == "8.0"
    error_message = "The default engine must be Valkey 8.0."
  }
  assert {
    condition = (
      aws_elasticache_replication_group.this[0].num_cache_clusters == 2 &&
      aws_elasticache_replication_group.this[0].multi_az_enabled &&
      aws_elasticache_replication_group.this[0].automatic_failover_enabled
    )
    error_message = "The default must be a primary and a replica in two AZs with automatic failover."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].security_group_ids == toset(["sg-0ccccccccccccccc0"]) && aws_elasticache_subnet_group.this[0].subnet_ids == toset(["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"])
    error_message = "The cache must use the given subnets and security groups."
  }
  assert {
    condition     = output.redis_url == "rediss://master.sc-test-cache.abc123.euw1.cache.amazonaws.com:6379"
    error_message = "The managed cache URL must use TLS (rediss://)."
  }
  assert {
    condition     = output.auth_secret_arn == aws_secretsmanager_secret.this[0].arn
    error_message = "The AUTH secret ARN must be an output."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].cluster_mode == "disabled" && output.mode == "replication_group" && output.auth == "password" && output.iam == null
    error_message = "The default must be a replication group with cluster mode disabled and password auth."
  }
  assert {
    condition     = length(aws_elasticache_user.iam) == 0 && length(aws_elasticache_user_group.this) == 0 && aws_elasticache_replication_group.this[0].user_group_ids == null
    error_message = "Password auth must create no ElastiCache users."
  }
}

run "managed_is_the_old_name_of_replication_group" {
  command = plan

  variables {
    mode = "managed"
  }

  assert {
    condition     = output.mode == "replication_group" && length(aws_elasticache_replication_group.this) == 1
    error_message = "mode = managed must still create the replication group."
  }
}

run "cluster_mode_shards_and_replicas" {
  command = apply

  variables {
    mode = "cluster"
    managed = {
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      security_group_ids = ["sg-0ccccccccccccccc0"]
      shards             = 3
      replicas           = 2
    }
  }

  assert {
    condition = (
      aws_elasticache_replication_group.this[0].cluster_mode == "enabled" &&
      aws_elasticache_replication_group.this[0].num_node_groups == 3 &&
      aws_elasticache_replication_group.this[0].replicas_per_node_group == 2 &&
      aws_elasticache_replication_group.this[0].automatic_failover_enabled
    )
    error_message = "Cluster mode must create managed.shards shards of 1 + managed.replicas nodes with failover."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].parameter_group_name == "default.valkey8.cluster.on"
    error_message = "Cluster mode needs the engine's cluster-enabled default parameter group."
  }
  assert {
    condition     = output.redis_url == "rediss://clustercfg.sc-test-cache.abc123.euw1.cache.amazonaws.com:6379" && output.configuration_endpoint_address != null
    error_message = "A cluster is reached through its configuration endpoint, with TLS."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].transit_encryption_mode == "required" && output.auth_secret_arn == aws_secretsmanager_secret.this[0].arn
    error_message = "Cluster mode keeps TLS and the password secret."
  }
}

run "replication_group_with_iam_auth" {
  command = apply

  variables {
    auth = "iam"
  }

  assert {
    condition     = length(aws_secretsmanager_secret.this) == 0 && length(data.aws_secretsmanager_random_password.this) == 0 && output.auth_secret_arn == null
    error_message = "IAM auth must create no secret."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].auth_token == null && aws_elasticache_replication_group.this[0].user_group_ids == toset([aws_elasticache_user_group.this[0].user_group_id])
    error_message = "IAM auth uses the user group, not an AUTH token."
  }
  assert {
    condition = (
      aws_elasticache_user.iam[0].authentication_mode[0].type == "iam" &&
      aws_elasticache_user.iam[0].user_id == aws_elasticache_user.iam[0].user_name &&
      startswith(aws_elasticache_user.iam[0].access_string, "on ")
    )
    error_message = "The functions' user must use IAM authentication, with user_id equal to user_name."
  }
  assert {
    condition     = aws_elasticache_user.default[0].user_name == "default" && startswith(aws_elasticache_user.default[0].access_string, "off ")
    error_message = "The user group needs a user named default, switched off."
  }
  assert {
    condition     = aws_elasticache_user_group.this[0].user_ids == toset([aws_elasticache_user.default[0].user_id, aws_elasticache_user.iam[0].user_id])
    error_message = "The user group holds the default and the IAM user."
  }
  assert {
    condition = output.iam == {
      user_id               = "sc-test-app"
      cache_name            = "sc-test-cache"
      serverless            = false
      connect_resource_arns = ["arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:sc-test-cache", "arn:aws:elasticache:eu-west-1:123456789012:user:sc-test-app"]
    }
    error_message = "The iam output must name the user, the cache and the ARNs for elasticache:Connect."
  }
}

run "serverless_valkey_with_iam_auth_and_usage_limits" {
  command = apply

  variables {
    mode    = "serverless"
    auth    = "iam"
    managed = null
    serverless = {
      subnet_ids          = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      security_group_ids  = ["sg-0ccccccccccccccc0"]
      max_data_storage_gb = 5
      max_ecpu_per_second = 10000
    }
  }

  assert {
    condition     = length(aws_elasticache_replication_group.this) == 0 && length(aws_secretsmanager_secret.this) == 0
    error_message = "Serverless mode creates no replication group and no secret."
  }
  assert {
    condition = (
      aws_elasticache_serverless_cache.this[0].engine == "valkey" &&
      aws_elasticache_serverless_cache.this[0].major_engine_version == "8" &&
      aws_elasticache_serverless_cache.this[0].cache_usage_limits[0].data_storage[0].maximum == 5 &&
      aws_elasticache_serverless_cache.this[0].cache_usage_limits[0].data_storage[0].unit == "GB" &&
      aws_elasticache_serverless_cache.this[0].cache_usage_limits[0].ecpu_per_second[0].maximum == 10000
    )
    error_message = "The serverless cache must be Valkey 8 with the given usage limits."
  }
  assert {
    condition     = aws_elasticache_serverless_cache.this[0].user_group_id == aws_elasticache_user_group.this[0].user_group_id && aws_elasticache_user.iam[0].engine == "valkey"
    error_message = "The serverless cache must use the IAM user group."
  }
  assert {
    condition     = output.redis_url == "rediss://sc-test-cache-abc123.serverless.euw1.cache.amazonaws.com:6379"
    error_message = "The serverless URL must be its endpoint with TLS."
  }
  assert {
    condition     = output.iam.serverless && output.iam.cache_name == "sc-test-cache" && contains(output.iam.connect_resource_arns, "arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sc-test-cache")
    error_message = "The iam output must mark the cache serverless and grant connect on it."
  }
}

run "rejects_serverless_with_password_auth" {
  command = plan

  variables {
    mode    = "serverless"
    managed = null
    serverless = {
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      security_group_ids = ["sg-0ccccccccccccccc0"]
    }
  }

  expect_failures = [output.redis_url]
}

run "rejects_serverless_without_its_settings" {
  command = plan

  variables {
    mode    = "serverless"
    auth    = "iam"
    managed = null
  }

  expect_failures = [output.redis_url]
}

run "rejects_iam_auth_for_an_external_cache" {
  command = plan

  variables {
    mode     = "external"
    auth     = "iam"
    managed  = null
    external = { url = "rediss://cache.example.internal:6379" }
  }

  expect_failures = [output.redis_url]
}

run "rejects_an_unknown_mode_and_bad_limits" {
  command = plan

  variables {
    mode = "memorydb"
    serverless = {
      subnet_ids          = ["subnet-0aaaaaaaaaaaaaaa0"]
      security_group_ids  = ["sg-0ccccccccccccccc0"]
      max_ecpu_per_second = 10
    }
  }

  expect_failures = [var.mode, var.serverless]
}

run "redis_oss_7_is_accepted" {
  command = plan

  variables {
    managed = {
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0"]
      security_group_ids = ["sg-0ccccccccccccccc0"]
      engine             = "redis"
      replicas           = 0
      multi_az           = false
      kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    }
  }

  assert {
    condition     = aws_elasticache_replication_group.this[0].engine == "redis" && aws_elasticache_replication_group.this[0].engine_version == "7.1"
    error_message = "Redis OSS defaults to 7.1."
  }
  assert {
    condition     = aws_elasticache_replication_group.this[0].kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" && aws_elasticache_replication_group.this[0].transit_encryption_mode == "required"
    error_message = "A customer key must be used and TLS stays required."
  }
}

run "external_cache_creates_nothing" {
  command = apply

  variables {
    mode     = "external"
    managed  = null
    external = { url = "redis://redis:6379" }
  }

  assert {
    condition     = length(aws_elasticache_replication_group.this) == 0 && length(aws_elasticache_serverless_cache.this) == 0 && length(aws_elasticache_user.iam) == 0 && length(aws_secretsmanager_secret.this) == 0 && length(data.aws_secretsmanager_random_password.this) == 0
    error_message = "External mode must not create a cache, a user or a secret."
  }
  assert {
    condition     = output.redis_url == "redis://redis:6379" && output.auth_secret_arn == null
    error_message = "External mode passes the URL through and has no secret."
  }
}

run "external_cache_with_an_existing_secret" {
  command = plan

  variables {
    mode     = "external"
    managed  = null
    external = { url = "rediss://cache.example.internal:6380", auth_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-AbCdEf" }
  }

  assert {
    condition     = output.auth_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-AbCdEf"
    error_message = "The given secret must be passed through."
  }
}

run "rejects_redis_6" {
  command = plan

  variables {
    managed = {
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      security_group_ids = ["sg-0ccccccccccccccc0"]
      engine             = "redis"
      engine_version     = "6.2"
    }
  }

  expect_failures = [var.managed]
}

run "rejects_multi_az_without_replicas" {
  command = plan

  variables {
    managed = {
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      security_group_ids = ["sg-0ccccccccccccccc0"]
      replicas           = 0
    }
  }

  expect_failures = [var.managed]
}

run "rejects_valkey_7_0" {
  command = plan

  variables {
    managed = {
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      security_group_ids = ["sg-0ccccccccccccccc0"]
      engine_version     = "7.0"
    }
  }

  expect_failures = [aws_elasticache_replication_group.this]
}

run "rejects_an_external_url_that_is_not_redis" {
  command = plan

  variables {
    mode     = "external"
    managed  = null
    external = { url = "http://localhost:6379" }
  }

  expect_failures = [var.external]
}

run "rejects_external_mode_without_a_url" {
  command = plan

  variables {
    mode    = "external"
    managed = null
  }

  expect_failures = [output.redis_url]
}
