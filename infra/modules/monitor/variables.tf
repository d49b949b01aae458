variable "name" {
  description = "Name prefix: the function is <name>-monitor (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "code" {
  description = "Where the monitor's zip (build/dist/monitor.zip) is in S3, and its base64 SHA-256."
  type = object({
    s3_bucket         = string
    s3_key            = string
    s3_object_version = optional(string)
    source_code_hash  = string
  })

  validation {
    condition     = endswith(var.code.s3_key, ".zip") && length(var.code.s3_bucket) >= 3
    error_message = "code.s3_key must name a .zip object in code.s3_bucket."
  }
}

variable "table" {
  description = "The items table the monitor reads (GetItem, consistent): name, ARN and its customer managed KMS key if any."
  type = object({
    name        = string
    arn         = string
    kms_key_arn = optional(string)
  })

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.table.arn))
    error_message = "table.arn must be a DynamoDB table ARN."
  }
}

variable "cache" {
  description = <<-EOT
    How the monitor reaches Redis, exactly as the other functions do (modules/functions): REDIS_URL,
    and either the Secrets Manager secret holding the AUTH token (REDIS_AUTH_SECRET_ARN) with its
    customer managed KMS key, or ElastiCache IAM auth (`iam`, the cache module's iam output): the user
    (REDIS_USER), the cache name tokens are signed for (REDIS_CACHE_NAME), whether it is serverless
    (REDIS_CACHE_SERVERLESS), and the cache and user ARNs the role gets elasticache:Connect on.
  EOT
  type = object({
    redis_url               = string
    auth_secret_arn         = optional(string)
    auth_secret_kms_key_arn = optional(string)
    iam = optional(object({
      user_id               = string
      cache_name            = string
      serverless            = bool
      connect_resource_arns = list(string)
    }))
  })

  validation {
    condition     = can(regex("^rediss?://[^/?#\\s]+/?$", var.cache.redis_url))
    error_message = "cache.redis_url must be redis://host:port or rediss://host:port."
  }
  validation {
    condition     = var.cache.auth_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.cache.auth_secret_arn))
    error_message = "cache.auth_secret_arn must be a Secrets Manager secret ARN."
  }
  validation {
    condition     = var.cache.iam == null || (var.cache.auth_secret_arn == null && var.cache.auth_secret_kms_key_arn == null)
    error_message = "cache.iam and cache.auth_secret_arn exclude each other: IAM auth uses no password."
  }
  validation {
    condition     = var.cache.iam == null || startswith(var.cache.redis_url, "rediss://")
    error_message = "cache.iam needs a rediss:// URL: ElastiCache accepts IAM tokens only over TLS."
  }
  validation {
    condition     = var.cache.iam == null || try(length(var.cache.iam.connect_resource_arns) >= 2 && alltrue([for a in var.cache.iam.connect_resource_arns : can(regex("^arn:aws[a-z-]*:elasticache:", a))]), false)
    error_message = "cache.iam.connect_resource_arns must hold the cache's and the user's ElastiCache ARNs."
  }
  validation {
    condition     = var.cache.iam == null || try(can(regex("^[a-z][a-z0-9-]{0,39}$", var.cache.iam.cache_name)) && can(regex("^[a-zA-Z][a-zA-Z0-9-]*$", var.cache.iam.user_id)), false)
    error_message = "cache.iam.cache_name must be an ElastiCache name (lowercase letters, digits, hyphens) and user_id an ElastiCache user id."
  }
}

variable "check" {
  description = <<-EOT
    What one run does (docs/monitor.md). schedule: an EventBridge schedule expression. sample_size
    (MONITOR_SAMPLE_SIZE): entries sampled per run; a run costs at most 3 x sample_size Redis
    commands (RANDOMKEY, GET, GET again) in 3 round trips (per primary on a cluster) and 2 x sample_size strongly consistent
    GetItems (1 RCU each per 4 KB of item). grace_seconds (MONITOR_GRACE_SECONDS): how long an entry
    behind the table may stay behind (stream lag) before it is reported. timeout must exceed it.
  EOT
  type = object({
    schedule      = optional(string, "rate(5 minutes)")
    sample_size   = optional(number, 50)
    grace_seconds = optional(number, 30)
    timeout       = optional(number, 90)
    memory_size   = optional(number, 128)
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.check.schedule))
    error_message = "check.schedule must be an EventBridge rate(...) or cron(...) expression, e.g. rate(5 minutes)."
  }
  validation {
    condition     = var.check.sample_size >= 1 && var.check.sample_size <= 1000 && floor(var.check.sample_size) == var.check.sample_size
    error_message = "check.sample_size must be a whole number from 1 to 1000 (MONITOR_SAMPLE_SIZE)."
  }
  validation {
    condition     = var.check.grace_seconds >= 0 && var.check.grace_seconds <= 600 && floor(var.check.grace_seconds) == var.check.grace_seconds
    error_message = "check.grace_seconds must be a whole number from 0 to 600 (MONITOR_GRACE_SECONDS)."
  }
  validation {
    condition     = var.check.timeout >= var.check.grace_seconds + 30 && var.check.timeout <= 900
    error_message = "check.timeout must be at least check.grace_seconds + 30 (the re-read after the grace window needs time) and at most 900."
  }
  validation {
    condition     = var.check.memory_size >= 128 && var.check.memory_size <= 10240
    error_message = "check.memory_size must be from 128 to 10240 MB."
  }
}

variable "alarm" {
  description = "The alarm on CacheEntriesInconsistent > 0: the SNS topics (or other actions) to notify."
  type = object({
    actions = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "architecture" {
  description = "Instruction set of the function; must match the binary in the zip."
  type        = string
  default     = "x86_64"
  nullable    = false

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "vpc" {
  description = "Subnets and security groups to run the monitor in (needed to reach an ElastiCache cache); null runs it outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition     = var.vpc == null || try(length(var.vpc.subnet_ids) >= 1 && length(var.vpc.security_group_ids) >= 1, false)
    error_message = "vpc needs at least one subnet and one security group."
  }
}

variable "environment_variables" {
  description = "Extra environment variables (for example AWS_ENDPOINT_URL on LocalStack). They cannot override the variables this module sets."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "TABLE_NAME", "REDIS_URL", "REDIS_AUTH", "REDIS_AUTH_SECRET_ARN", "REDIS_AUTH_TOKEN", "REDIS_USER",
      "REDIS_CACHE_NAME", "REDIS_CACHE_SERVERLESS", "MONITOR_SAMPLE_SIZE", "MONITOR_GRACE_SECONDS", "LOG_LEVEL",
    ])) == 0
    error_message = "environment_variables must not set TABLE_NAME, REDIS_URL, REDIS_AUTH*, REDIS_USER, REDIS_CACHE_*, MONITOR_* or LOG_LEVEL (use the dedicated variables)."
  }
}

variable "logs" {
  description = "The function's log group (/aws/lambda/<name>-monitor): retention and optional KMS key."
  type = object({
    retention_in_days = optional(number, 30)
    kms_key_arn       = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.logs.retention_in_days)
    error_message = "logs.retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "iam" {
  description = "Path and optional permissions boundary of the execution role."
  type = object({
    path                 = optional(string, "/")
    permissions_boundary = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.iam.path))
    error_message = "iam.path must start and end with '/'."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
  nullable    = false
}
