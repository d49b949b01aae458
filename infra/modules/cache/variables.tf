variable "name" {
  description = "Name prefix for the replication group, its subnet group and the AUTH secret (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "mode" {
  description = <<-EOT
    replication_group (default): an ElastiCache replication group with cluster mode disabled, one
    primary and its replicas. cluster: a replication group with cluster mode enabled (managed.shards
    shards of 1 + managed.replicas nodes each). serverless: an ElastiCache Serverless cache (Valkey,
    always clustered, IAM auth). external: use the Redis given in `external` (LocalStack, a local
    server, or a cache managed elsewhere). managed is the old name of replication_group.
  EOT
  type        = string
  default     = "replication_group"
  nullable    = false

  validation {
    condition     = contains(["replication_group", "cluster", "serverless", "external", "managed"], var.mode)
    error_message = "mode must be replication_group, cluster, serverless or external (managed is the old name of replication_group)."
  }
}

variable "auth" {
  description = <<-EOT
    How the functions authenticate to a cache this module creates. password: an AUTH token generated
    by and kept in Secrets Manager (replication_group and cluster only). iam: an ElastiCache user with
    IAM authentication in a user group; the functions sign short-lived tokens with their role, so there
    is no secret, no Secrets Manager endpoint and nothing to rotate. External caches bring their own auth.
  EOT
  type        = string
  default     = "password"
  nullable    = false

  validation {
    condition     = contains(["password", "iam"], var.auth)
    error_message = "auth must be password or iam."
  }
}

variable "managed" {
  description = <<-EOT
    Settings of a replication group (mode = "replication_group" or "cluster"). engine is valkey
    (default) or redis (OSS 7+); replicas is the number of read replicas besides each primary (at least
    1 for multi_az); shards is the number of shards (node groups) in cluster mode; subnet_ids (two or
    more Availability Zones) and security_group_ids come from the network module.
  EOT
  type = object({
    subnet_ids               = list(string)
    security_group_ids       = list(string)
    engine                   = optional(string, "valkey")
    engine_version           = optional(string)
    node_type                = optional(string, "cache.t4g.micro")
    port                     = optional(number, 6379)
    replicas                 = optional(number, 1)
    shards                   = optional(number, 2)
    multi_az                 = optional(bool, true)
    kms_key_arn              = optional(string)
    parameter_group_name     = optional(string)
    snapshot_retention_limit = optional(number, 1)
    maintenance_window       = optional(string)
    apply_immediately        = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.managed == null || try(contains(["valkey", "redis"], var.managed.engine), false)
    error_message = "managed.engine must be valkey or redis."
  }
  validation {
    condition     = var.managed == null || try(var.managed.engine_version == null ? true : tonumber(split(".", var.managed.engine_version)[0]) >= 7, false)
    error_message = "managed.engine_version (default 8.0 for valkey, 7.1 for redis) must be 7 or newer (Redis OSS 7.x, Valkey 7.2/8.x): older engines lack the TLS/AUTH features this module requires."
  }
  validation {
    condition     = var.managed == null || try(can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.managed.node_type)), false)
    error_message = "managed.node_type must be an ElastiCache node type such as cache.t4g.micro."
  }
  validation {
    condition     = var.managed == null || try(var.managed.port >= 1024 && var.managed.port <= 65535, false)
    error_message = "managed.port must be from 1024 to 65535."
  }
  validation {
    condition     = var.managed == null || try(var.managed.replicas >= 0 && var.managed.replicas <= 5 && floor(var.managed.replicas) == var.managed.replicas, false)
    error_message = "managed.replicas must be a whole number from 0 to 5."
  }
  validation {
    condition     = var.managed == null || try(var.managed.shards >= 1 && var.managed.shards <= 500 && floor(var.managed.shards) == var.managed.shards, false)
    error_message = "managed.shards must be a whole number from 1 to 500."
  }
  validation {
    condition     = var.managed == null || try(var.managed.multi_az ? var.managed.replicas >= 1 : true, false)
    error_message = "managed.multi_az needs at least one replica."
  }
  validation {
    condition     = var.managed == null || try(length(var.managed.subnet_ids) >= (var.managed.multi_az ? 2 : 1) && length(var.managed.security_group_ids) >= 1, false)
    error_message = "managed.subnet_ids needs at least two subnets with multi_az (one otherwise) and security_group_ids at least one group."
  }
  validation {
    condition     = var.managed == null || try(var.managed.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:", var.managed.kms_key_arn)), false)
    error_message = "managed.kms_key_arn must be a KMS key ARN."
  }
  validation {
    condition     = var.managed == null || try(var.managed.snapshot_retention_limit >= 0 && var.managed.snapshot_retention_limit <= 35, false)
    error_message = "managed.snapshot_retention_limit must be from 0 to 35 days."
  }
}

variable "serverless" {
  description = <<-EOT
    Settings of the serverless cache (mode = "serverless"): Valkey major version, usage limits that cap
    the bill (max_data_storage_gb: 1 to 5000 GB; max_ecpu_per_second: 1000 to 15000000), daily
    snapshots kept, an optional customer KMS key, and the subnets (two or more Availability Zones) and
    security groups from the network module. The security group must allow 6379 (primary) and 6380
    (reader endpoint).
  EOT
  type = object({
    subnet_ids               = list(string)
    security_group_ids       = list(string)
    major_engine_version     = optional(string, "8")
    max_data_storage_gb      = optional(number, 10)
    max_ecpu_per_second      = optional(number, 5000)
    snapshot_retention_limit = optional(number, 1)
    kms_key_arn              = optional(string)
  })
  default = null

  validation {
    condition     = var.serverless == null || try(contains(["7", "8"], var.serverless.major_engine_version), false)
    error_message = "serverless.major_engine_version must be 7 or 8 (Valkey)."
  }
  validation {
    condition     = var.serverless == null || try(var.serverless.max_data_storage_gb >= 1 && var.serverless.max_data_storage_gb <= 5000, false)
    error_message = "serverless.max_data_storage_gb must be from 1 to 5000."
  }
  validation {
    condition     = var.serverless == null || try(var.serverless.max_ecpu_per_second >= 1000 && var.serverless.max_ecpu_per_second <= 15000000, false)
    error_message = "serverless.max_ecpu_per_second must be from 1000 to 15000000."
  }
  validation {
    condition     = var.serverless == null || try(length(var.serverless.subnet_ids) >= 2 && length(var.serverless.security_group_ids) >= 1, false)
    error_message = "serverless.subnet_ids needs subnets in at least two Availability Zones and security_group_ids at least one group."
  }
  validation {
    condition     = var.serverless == null || try(var.serverless.snapshot_retention_limit >= 0 && var.serverless.snapshot_retention_limit <= 35, false)
    error_message = "serverless.snapshot_retention_limit must be from 0 to 35 days."
  }
  validation {
    condition     = var.serverless == null || try(var.serverless.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:", var.serverless.kms_key_arn)), false)
    error_message = "serverless.kms_key_arn must be a KMS key ARN."
  }
}

variable "external" {
  description = <<-EOT
    The Redis to use when mode = "external": its URL (redis://host:port, or rediss:// for TLS) and,
    optionally, the ARN of an existing Secrets Manager secret holding its AUTH token (plain string), which
    the functions are then allowed to read. Keep passwords out of the URL: it ends up in the functions'
    environment.
  EOT
  type = object({
    url                     = string
    auth_secret_arn         = optional(string)
    auth_secret_kms_key_arn = optional(string)
  })
  default = null

  validation {
    condition     = var.external == null || try(can(regex("^rediss?://[^/?#\\s]+/?$", var.external.url)), false)
    error_message = "external.url must be redis://[user:pass@]host:port or rediss://... with no path."
  }
  validation {
    condition     = var.external == null || try(var.external.auth_secret_arn == null ? true : can(regex("^arn:aws[a-z-]*:secretsmanager:", var.external.auth_secret_arn)), false)
    error_message = "external.auth_secret_arn must be a Secrets Manager secret ARN."
  }
  validation {
    condition     = var.external == null || try(var.external.auth_secret_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:", var.external.auth_secret_kms_key_arn)), false)
    error_message = "external.auth_secret_kms_key_arn must be a KMS key ARN."
  }
}

variable "secret" {
  description = "The Secrets Manager secret created for the generated AUTH token (auth = password): customer managed KMS key (null: aws/secretsmanager) and the recovery window on deletion (0 deletes at once)."
  type = object({
    kms_key_arn             = optional(string)
    recovery_window_in_days = optional(number, 7)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.secret.recovery_window_in_days == 0 || (var.secret.recovery_window_in_days >= 7 && var.secret.recovery_window_in_days <= 30)
    error_message = "secret.recovery_window_in_days must be 0 or from 7 to 30."
  }
  validation {
    condition     = var.secret.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.secret.kms_key_arn))
    error_message = "secret.kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
  nullable    = false
}
