output "mode" {
  description = "managed or external."
  value       = var.mode
}

output "redis_url" {
  description = "URL the functions connect to (REDIS_URL): rediss://<primary endpoint>:<port> when managed, the given URL when external."
  value       = local.managed ? "rediss://${aws_elasticache_replication_group.this[0].primary_endpoint_address}:${aws_elasticache_replication_group.this[0].port}" : try(var.external.url, null)

  precondition {
    condition     = var.mode == "managed" ? var.managed != null : var.external != null
    error_message = "mode = \"managed\" needs the managed settings (subnet_ids, security_group_ids); mode = \"external\" needs external.url."
  }
}

output "auth_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the AUTH token (REDIS_AUTH_SECRET_ARN), or null when the cache needs none."
  value       = local.managed ? aws_secretsmanager_secret.this[0].arn : try(var.external.auth_secret_arn, null)
}

output "auth_secret_kms_key_arn" {
  description = "Customer managed KMS key encrypting the AUTH secret, or null for the AWS managed key."
  value       = local.managed ? var.secret.kms_key_arn : try(var.external.auth_secret_kms_key_arn, null)
}

output "replication_group_id" {
  description = "Id of the ElastiCache replication group, or null when external."
  value       = try(aws_elasticache_replication_group.this[0].id, null)
}

output "primary_endpoint_address" {
  description = "Primary endpoint of the replication group, or null when external."
  value       = try(aws_elasticache_replication_group.this[0].primary_endpoint_address, null)
}

output "reader_endpoint_address" {
  description = "Reader endpoint of the replication group, or null when external."
  value       = try(aws_elasticache_replication_group.this[0].reader_endpoint_address, null)
}
