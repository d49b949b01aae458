mock_provider "aws" {
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "MockedAuthToken0123456789abcdefgMockedAuthToken0123456789abcdefg" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-test-cache-auth-AbCdEf" }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = { primary_endpoint_address = "master.sc-test-cache.abc123.euw1.cache.amazonaws.com" }
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
    condition     = length(aws_elasticache_replication_group.this) == 0 && length(aws_secretsmanager_secret.this) == 0 && length(data.aws_secretsmanager_random_password.this) == 0
    error_message = "External mode must not create a cache or a secret."
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
