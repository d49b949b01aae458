variable "name" {
  description = "Name prefix for the replication group, its subnet group and the AUTH secret (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "mode" {
  description = "managed: an ElastiCache replication group created here (TLS required, encrypted at rest, AUTH token in Secrets Manager). external: use the Redis given in `external` (LocalStack, a local container, or a cache managed elsewhere)."
  type        = string
  default     = "managed"
  nullable    = false

  validation {
    condition     = contains(["managed", "external"], var.mode)
    error_message = "mode must be managed or external."
  }
}

variable "managed" {
  description = <<-EOT
    Settings of the managed cache (mode = "managed"). engine is valkey (default) or redis (OSS 7+);
    replicas is the number of read replicas besides the primary (at least 1 for multi_az); subnet_ids
    (two or more Availability Zones) and security_group_ids come from the network module.
  EOT
  type = object({
    subnet_ids               = list(string)
    security_group_ids       = list(string)
    engine                   = optional(string, "valkey")
    engine_version           = optional(string)
    node_type                = optional(string, "cache.t4g.micro")
    port                     = optional(number, 6379)
    replicas                 = optional(number, 1)
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
  description = "The Secrets Manager secret created for the generated AUTH token (managed mode): customer managed KMS key (null: aws/secretsmanager) and the recovery window on deletion (0 deletes at once)."
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
