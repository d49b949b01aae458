output "mode" {
  description = "replication_group, cluster, serverless or external (managed is reported as replication_group)."
  value       = local.mode
}

output "auth" {
  description = "password or iam: how the functions authenticate (external caches: password, with or without a secret)."
  value       = local.iam ? "iam" : "password"
}

output "redis_url" {
  description = "URL the functions connect to (REDIS_URL): rediss://<primary, configuration or serverless endpoint>:<port> for a cache created here, the given URL when external."
  value = (
    local.serverless ? "rediss://${aws_elasticache_serverless_cache.this[0].endpoint[0].address}:${aws_elasticache_serverless_cache.this[0].endpoint[0].port}" :
    local.cluster ? "rediss://${aws_elasticache_replication_group.this[0].configuration_endpoint_address}:${aws_elasticache_replication_group.this[0].port}" :
    local.group ? "rediss://${aws_elasticache_replication_group.this[0].primary_endpoint_address}:${aws_elasticache_replication_group.this[0].port}" :
    try(var.external.url, null)
  )

  precondition {
    condition = (
      contains(["replication_group", "cluster"], local.mode) ? var.managed != null :
      local.mode == "serverless" ? var.serverless != null : var.external != null
    )
    error_message = "mode = \"replication_group\" or \"cluster\" needs the managed settings (subnet_ids, security_group_ids); mode = \"serverless\" needs the serverless settings; mode = \"external\" needs external.url."
  }
  precondition {
    condition     = local.mode != "serverless" || var.auth == "iam"
    error_message = "mode = \"serverless\" needs auth = \"iam\": ElastiCache Serverless accepts no AUTH token, only users, and this module creates an IAM user for it."
  }
  precondition {
    condition     = local.mode != "external" || var.auth == "password"
    error_message = "auth = \"iam\" is for caches this module creates; an external cache brings its own auth (external.url and external.auth_secret_arn)."
  }
}

output "auth_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the AUTH token (REDIS_AUTH_SECRET_ARN), or null when the cache needs none (iam auth, or an external cache without a secret)."
  value       = local.password ? aws_secretsmanager_secret.this[0].arn : try(var.external.auth_secret_arn, null)
}

output "auth_secret_kms_key_arn" {
  description = "Customer managed KMS key encrypting the AUTH secret, or null for the AWS managed key (or no secret)."
  value       = local.password ? var.secret.kms_key_arn : try(var.external.auth_secret_kms_key_arn, null)
}

output "iam" {
  description = "With auth = iam: the ElastiCache user (REDIS_USER), the cache name the tokens are signed for (REDIS_CACHE_NAME), whether it is serverless (REDIS_CACHE_SERVERLESS), and the cache and user ARNs the functions need elasticache:Connect on. Null otherwise."
  value = local.iam ? {
    user_id    = aws_elasticache_user.iam[0].user_id
    cache_name = local.serverless ? aws_elasticache_serverless_cache.this[0].name : aws_elasticache_replication_group.this[0].replication_group_id
    serverless = local.serverless
    connect_resource_arns = [
      local.serverless ? aws_elasticache_serverless_cache.this[0].arn : aws_elasticache_replication_group.this[0].arn,
      aws_elasticache_user.iam[0].arn,
    ]
  } : null
}

output "replication_group_id" {
  description = "Id of the ElastiCache replication group, or null when serverless or external."
  value       = try(aws_elasticache_replication_group.this[0].id, null)
}

output "primary_endpoint_address" {
  description = "Primary endpoint of a replication group with cluster mode disabled, or null."
  value       = try(aws_elasticache_replication_group.this[0].primary_endpoint_address, null)
}

output "reader_endpoint_address" {
  description = "Reader endpoint of a replication group with cluster mode disabled, or null."
  value       = try(aws_elasticache_replication_group.this[0].reader_endpoint_address, null)
}

output "configuration_endpoint_address" {
  description = "Configuration endpoint of a cluster-mode replication group, or null."
  value       = local.cluster ? aws_elasticache_replication_group.this[0].configuration_endpoint_address : null
}

output "serverless_cache_name" {
  description = "Name of the serverless cache, or null."
  value       = try(aws_elasticache_serverless_cache.this[0].name, null)
}
