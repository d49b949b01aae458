variable "name" {
  description = "Name prefix: the functions are <name>-api and <name>-stream-handler (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "code" {
  description = "Where each function's zip is in S3 and its base64 SHA-256 (the artifacts module's `packages` output)."
  type = object({
    api = object({
      s3_bucket         = string
      s3_key            = string
      s3_object_version = optional(string)
      source_code_hash  = string
    })
    stream_handler = object({
      s3_bucket         = string
      s3_key            = string
      s3_object_version = optional(string)
      source_code_hash  = string
    })
  })

  validation {
    condition     = alltrue([for c in [var.code.api, var.code.stream_handler] : endswith(c.s3_key, ".zip") && length(c.s3_bucket) >= 3])
    error_message = "code.*.s3_key must name a .zip object in code.*.s3_bucket."
  }
}

variable "table" {
  description = "The items table: name, ARN, stream ARN and its customer managed KMS key if any (the table module's outputs)."
  type = object({
    name        = string
    arn         = string
    stream_arn  = string
    kms_key_arn = optional(string)
  })

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.table.arn))
    error_message = "table.arn must be a DynamoDB table ARN."
  }
  validation {
    condition     = startswith(var.table.stream_arn, "${var.table.arn}/stream/")
    error_message = "table.stream_arn must be a stream of table.arn."
  }
}

variable "cache" {
  description = <<-EOT
    How the functions reach Redis: REDIS_URL, and either the Secrets Manager secret holding the AUTH
    token (REDIS_AUTH_SECRET_ARN) with its customer managed KMS key, or ElastiCache IAM auth (`iam`, the
    cache module's iam output): the user (REDIS_USER), the cache name tokens are signed for
    (REDIS_CACHE_NAME), whether it is serverless (REDIS_CACHE_SERVERLESS), and the cache and user ARNs
    the role gets elasticache:Connect on.
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

variable "architecture" {
  description = "Instruction set of both functions; must match the binaries in the zips."
  type        = string
  default     = "x86_64"
  nullable    = false

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "api" {
  description = "Sizing of the API function. timeout is capped at 30 s, the HTTP API integration limit; reserved_concurrency -1 means unreserved; 0 is refused (it disables the function)."
  type = object({
    memory_size          = optional(number, 256)
    timeout              = optional(number, 10)
    reserved_concurrency = optional(number, -1)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.api.memory_size >= 128 && var.api.memory_size <= 10240
    error_message = "api.memory_size must be from 128 to 10240 MB."
  }
  validation {
    condition     = var.api.timeout >= 1 && var.api.timeout <= 30
    error_message = "api.timeout must be from 1 to 30 seconds (API Gateway gives up after 30)."
  }
  validation {
    condition     = var.api.reserved_concurrency == -1 || (var.api.reserved_concurrency >= 1 && floor(var.api.reserved_concurrency) == var.api.reserved_concurrency)
    error_message = "api.reserved_concurrency must be -1 (unreserved) or a whole number of at least 1: 0 reserves nothing, so Lambda throttles every invocation."
  }
}

variable "stream_handler" {
  description = "Sizing of the stream handler. reserved_concurrency -1 means unreserved; 0 is refused (it disables the function)."
  type = object({
    memory_size          = optional(number, 256)
    timeout              = optional(number, 30)
    reserved_concurrency = optional(number, -1)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.stream_handler.memory_size >= 128 && var.stream_handler.memory_size <= 10240
    error_message = "stream_handler.memory_size must be from 128 to 10240 MB."
  }
  validation {
    condition     = var.stream_handler.timeout >= 1 && var.stream_handler.timeout <= 900
    error_message = "stream_handler.timeout must be from 1 to 900 seconds."
  }
  validation {
    condition     = var.stream_handler.reserved_concurrency == -1 || (var.stream_handler.reserved_concurrency >= 1 && floor(var.stream_handler.reserved_concurrency) == var.stream_handler.reserved_concurrency)
    error_message = "stream_handler.reserved_concurrency must be -1 (unreserved) or a whole number of at least 1: 0 reserves nothing, so Lambda throttles every invocation."
  }
}

variable "settings" {
  description = <<-EOT
    Cache behaviour shared by both functions (CACHE_TTL_SECONDS, TOMBSTONE_TTL_SECONDS,
    NEGATIVE_TTL_SECONDS, CACHE_WRITE_THROUGH, LOG_LEVEL). The tombstone TTL must outlive the longest
    function timeout plus the stream's maximum record age, or a late fill could resurrect a deleted item.
  EOT
  type = object({
    cache_ttl_seconds     = optional(number, 300)
    tombstone_ttl_seconds = optional(number, 7200)
    negative_ttl_seconds  = optional(number, 30)
    cache_write_through   = optional(bool, true)
    log_level             = optional(string, "info")
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for v in [var.settings.cache_ttl_seconds, var.settings.tombstone_ttl_seconds, var.settings.negative_ttl_seconds] : v >= 1 && floor(v) == v])
    error_message = "settings.*_ttl_seconds must be whole numbers of at least 1."
  }
  validation {
    condition     = contains(["trace", "debug", "info", "warn", "error"], var.settings.log_level)
    error_message = "settings.log_level must be trace, debug, info, warn or error."
  }
}

variable "environment_variables" {
  description = "Extra environment variables for both functions (for example AWS_ENDPOINT_URL on LocalStack). They cannot override the variables this module sets."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "TABLE_NAME", "REDIS_URL", "REDIS_AUTH_SECRET_ARN", "REDIS_AUTH_TOKEN", "REDIS_AUTH",
      "REDIS_USER", "REDIS_CACHE_NAME", "REDIS_CACHE_SERVERLESS", "CACHE_TTL_SECONDS",
      "TOMBSTONE_TTL_SECONDS", "NEGATIVE_TTL_SECONDS", "CACHE_WRITE_THROUGH", "LOG_LEVEL",
    ])) == 0
    error_message = "environment_variables must not set TABLE_NAME, REDIS_URL, REDIS_AUTH*, REDIS_USER, REDIS_CACHE_*, *_TTL_SECONDS, CACHE_WRITE_THROUGH or LOG_LEVEL (use the dedicated variables; never put a Redis token in plain text)."
  }
  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && !startswith(k, "AWS_LAMBDA_") && !contains(["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "_X_AMZN_TRACE_ID"], k)])
    error_message = "environment_variables keys must be valid names and not Lambda's reserved ones (AWS_REGION, AWS_LAMBDA_*, credentials, ...)."
  }
}

variable "event_source_mapping" {
  description = <<-EOT
    The DynamoDB Stream → stream handler mapping. create = false leaves it out (emulators that consume the
    stream themselves); enabled = false keeps it but paused. Retries and record age are always bounded;
    records that still fail go to the on-failure SQS queue. While Redis is down each delivery lasts the
    handler's budget (timeout - max(1 s, 10 %)), so the defaults (100 retries, 1 h) ride out an outage of
    min(101 x 27 s, 1 h) = 45 min with the 30 s timeout; to keep at least 30 min with a shorter timeout,
    raise maximum_retry_attempts to 1800 / budget - 1. A record Redis refuses for good (WRONGTYPE) is
    reported at once and blocks its shard for up to those 101 quick deliveries, never past the record age.
  EOT
  type = object({
    create                             = optional(bool, true)
    enabled                            = optional(bool, true)
    batch_size                         = optional(number, 100)
    maximum_batching_window_in_seconds = optional(number, 0)
    parallelization_factor             = optional(number, 1)
    maximum_retry_attempts             = optional(number, 100)
    maximum_record_age_in_seconds      = optional(number, 3600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.event_source_mapping.batch_size >= 1 && var.event_source_mapping.batch_size <= 10000
    error_message = "event_source_mapping.batch_size must be from 1 to 10000."
  }
  validation {
    condition     = var.event_source_mapping.maximum_batching_window_in_seconds >= 0 && var.event_source_mapping.maximum_batching_window_in_seconds <= 300
    error_message = "event_source_mapping.maximum_batching_window_in_seconds must be from 0 to 300."
  }
  validation {
    condition     = var.event_source_mapping.parallelization_factor >= 1 && var.event_source_mapping.parallelization_factor <= 10
    error_message = "event_source_mapping.parallelization_factor must be from 1 to 10."
  }
  validation {
    condition     = var.event_source_mapping.maximum_retry_attempts >= 0 && var.event_source_mapping.maximum_retry_attempts <= 10000
    error_message = "event_source_mapping.maximum_retry_attempts must be from 0 to 10000 (-1, infinite retries, is not allowed: a poison batch would block its shard)."
  }
  validation {
    condition     = var.event_source_mapping.maximum_record_age_in_seconds >= 60 && var.event_source_mapping.maximum_record_age_in_seconds <= 604800
    error_message = "event_source_mapping.maximum_record_age_in_seconds must be from 60 to 604800 (-1, no limit, is not allowed)."
  }
}

variable "vpc" {
  description = "Subnets and security groups to run both functions in (needed to reach an ElastiCache cache); null runs them outside any VPC."
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

variable "tracing_mode" {
  description = "X-Ray tracing of both functions: Active (sample and trace) or PassThrough."
  type        = string
  default     = "Active"
  nullable    = false

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "logs" {
  description = "The functions' log groups (/aws/lambda/<function>) and JSON log settings: retention, optional KMS key, and the level of Lambda's own platform logs."
  type = object({
    retention_in_days = optional(number, 30)
    kms_key_arn       = optional(string)
    system_log_level  = optional(string, "WARN")
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.logs.retention_in_days)
    error_message = "logs.retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
  validation {
    condition     = contains(["DEBUG", "INFO", "WARN"], var.logs.system_log_level)
    error_message = "logs.system_log_level must be DEBUG, INFO or WARN."
  }
  validation {
    condition     = var.logs.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.logs.kms_key_arn))
    error_message = "logs.kms_key_arn must be a KMS key ARN."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key encrypting the functions' environment variables and the on-failure queue; null uses AWS managed keys (Lambda) and SQS-managed SSE."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "iam" {
  description = "Path and optional permissions boundary of the two execution roles."
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
  validation {
    condition     = var.iam.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/", var.iam.permissions_boundary))
    error_message = "iam.permissions_boundary must be an IAM policy ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
  nullable    = false
}
