################################################################################
# ElastiCache Serverless (mode = "serverless"): Valkey, always clustered, TLS only, RBAC users only
################################################################################

resource "aws_elasticache_serverless_cache" "this" {
  count = local.serverless ? 1 : 0

  name                 = "${var.name}-cache"
  description          = "streamcache item cache (${var.name})"
  engine               = "valkey"
  major_engine_version = var.serverless.major_engine_version

  # The limits cap the bill: storage past the limit evicts, ECPUs past it are throttled.
  cache_usage_limits {
    data_storage {
      maximum = var.serverless.max_data_storage_gb
      unit    = "GB"
    }
    ecpu_per_second {
      maximum = var.serverless.max_ecpu_per_second
    }
  }

  subnet_ids               = var.serverless.subnet_ids
  security_group_ids       = var.serverless.security_group_ids
  kms_key_id               = var.serverless.kms_key_arn
  snapshot_retention_limit = var.serverless.snapshot_retention_limit
  user_group_id            = aws_elasticache_user_group.this[0].user_group_id

  tags = var.tags
}
