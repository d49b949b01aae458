variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "name" {
  description = "Name prefix of every resource (lowercase letters, digits and single hyphens, at most 24 characters). Use a different one per stage, e.g. streamcache-prod."
  type        = string
  default     = "streamcache"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "aws_access_key" {
  description = "Optional static access key id. Leave null (recommended) to use the standard credential chain."
  type        = string
  default     = null
  sensitive   = true
}

variable "aws_secret_key" {
  description = "Optional static secret access key; set it together with aws_access_key (the provider rejects one without the other)."
  type        = string
  default     = null
  sensitive   = true
}

variable "aws_session_token" {
  description = "Optional session token for temporary static credentials."
  type        = string
  default     = null
  sensitive   = true
}

variable "dist_dir" {
  description = "Directory holding the x86_64 api.zip and stream-handler.zip, and the arm64 ones in its arm64/ subdirectory; null means build/dist at the repository root (what `./dev package [--arch arm64]` writes)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (on top of Project, Environment and ManagedBy)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Retention of every log group (functions, API access logs, VPC flow logs), in days."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "network" {
  description = "VPC settings (modules/network): a new VPC (vpc) or an existing one (existing), endpoints and flow logs. Attributes left out take the module defaults."
  type = object({
    vpc = optional(object({
      cidr_block         = optional(string)
      az_count           = optional(number)
      availability_zones = optional(list(string))
      exclude_zone_ids   = optional(list(string))
      subnet_newbits     = optional(number)
      enable_nat_gateway = optional(bool)
    }), {})
    existing = optional(object({
      vpc_id          = string
      subnet_ids      = list(string)
      route_table_ids = optional(list(string))
    }))
    endpoints = optional(object({
      dynamodb  = optional(bool)
      interface = optional(set(string))
    }), {})
    flow_logs = optional(object({
      enabled      = optional(bool)
      traffic_type = optional(string)
      kms_key_arn  = optional(string)
    }), {})
    https_egress_cidr_blocks = optional(list(string))
    cache_egress_cidr_blocks = optional(list(string))
  })
  default  = {}
  nullable = false
}

variable "table" {
  description = "Items table settings (modules/table). Deletion protection is on: turn it off and apply before `./dev destroy aws`."
  type = object({
    billing = optional(object({
      mode           = optional(string)
      read_capacity  = optional(number)
      write_capacity = optional(number)
    }), {})
    kms_key_arn            = optional(string)
    point_in_time_recovery = optional(bool)
    deletion_protection    = optional(bool)
    ttl_attribute          = optional(string, "expiresAt")
    table_class            = optional(string)
  })
  default  = {}
  nullable = false
}

variable "cache" {
  description = "Cache settings (modules/cache): mode replication_group (default), cluster (managed settings, with shards), serverless (serverless settings, needs auth = iam) or external (a URL); auth password (Secrets Manager AUTH token, default) or iam (ElastiCache IAM authentication, no secret). docs/cache.md compares them."
  type = object({
    mode = optional(string, "replication_group")
    auth = optional(string, "password")
    managed = optional(object({
      engine                   = optional(string)
      engine_version           = optional(string)
      node_type                = optional(string)
      port                     = optional(number)
      replicas                 = optional(number)
      shards                   = optional(number)
      multi_az                 = optional(bool)
      kms_key_arn              = optional(string)
      parameter_group_name     = optional(string)
      snapshot_retention_limit = optional(number)
      maintenance_window       = optional(string)
      apply_immediately        = optional(bool)
    }), {})
    serverless = optional(object({
      major_engine_version     = optional(string)
      max_data_storage_gb      = optional(number)
      max_ecpu_per_second      = optional(number)
      snapshot_retention_limit = optional(number)
      kms_key_arn              = optional(string)
    }), {})
    external = optional(object({
      url                     = string
      auth_secret_arn         = optional(string)
      auth_secret_kms_key_arn = optional(string)
    }))
    secret = optional(object({
      kms_key_arn             = optional(string)
      recovery_window_in_days = optional(number)
    }), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["replication_group", "cluster", "serverless", "external", "managed"], var.cache.mode) && contains(["password", "iam"], var.cache.auth)
    error_message = "cache.mode must be replication_group, cluster, serverless or external, and cache.auth password or iam."
  }
  validation {
    condition     = var.cache.mode != "serverless" || var.cache.auth == "iam"
    error_message = "cache.mode = \"serverless\" needs cache.auth = \"iam\": ElastiCache Serverless takes no AUTH token."
  }
  validation {
    condition     = var.cache.mode != "external" || var.cache.auth == "password"
    error_message = "cache.auth = \"iam\" is for caches this environment creates; an external cache brings its own auth (external.auth_secret_arn)."
  }
}

variable "architecture" {
  description = "Instruction set of both functions: x86_64 deploys <dist_dir>/*.zip, arm64 (Graviton, about 20 % cheaper per GB-second) deploys <dist_dir>/arm64/*.zip (`./dev package --arch arm64`)."
  type        = string
  default     = "x86_64"
  nullable    = false

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "functions" {
  description = "Function settings (modules/functions): sizing of each function, the shared cache settings, tracing, KMS key, IAM boundary and extra environment variables."
  type = object({
    api = optional(object({
      memory_size          = optional(number)
      timeout              = optional(number)
      reserved_concurrency = optional(number)
    }), {})
    stream_handler = optional(object({
      memory_size          = optional(number)
      timeout              = optional(number)
      reserved_concurrency = optional(number)
    }), {})
    settings = optional(object({
      cache_ttl_seconds     = optional(number)
      tombstone_ttl_seconds = optional(number)
      negative_ttl_seconds  = optional(number)
      cache_write_through   = optional(bool)
      log_level             = optional(string)
    }), {})
    tracing_mode          = optional(string)
    kms_key_arn           = optional(string)
    log_kms_key_arn       = optional(string)
    permissions_boundary  = optional(string)
    environment_variables = optional(map(string))
  })
  default  = {}
  nullable = false
}

variable "event_source_mapping" {
  description = "Stream → stream handler mapping (modules/functions): create/enabled toggles, batching and bounded retries."
  type = object({
    create                             = optional(bool)
    enabled                            = optional(bool)
    batch_size                         = optional(number)
    maximum_batching_window_in_seconds = optional(number)
    parallelization_factor             = optional(number)
    maximum_retry_attempts             = optional(number)
    maximum_record_age_in_seconds      = optional(number)
  })
  default  = {}
  nullable = false
}

variable "api_auth" {
  description = <<-EOT
    Who may call the items API. "iam" (default): SigV4-signed requests from AWS principals allowed
    execute-api:Invoke on the API (output invoke_policy_resource). "jwt": an API Gateway JWT authorizer
    checks a bearer token from your identity provider (set jwt). "none": public; anyone who finds the
    URL can list, overwrite and delete every item (the plan warns).
  EOT
  type        = string
  default     = "iam"
  nullable    = false

  validation {
    condition     = contains(["iam", "jwt", "none"], var.api_auth)
    error_message = "api_auth must be \"iam\" (SigV4, the default), \"jwt\" (with jwt = { issuer, audiences }) or \"none\" (public)."
  }
}

variable "jwt" {
  description = "The JWT authorizer's settings, required when api_auth = \"jwt\": issuer (the tokens' exact iss claim, an https URL serving /.well-known/openid-configuration, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123), audiences (the aud, or client_id, values to accept, e.g. a Cognito app client id) and optional scopes (a token needs one of them)."
  type = object({
    issuer    = optional(string)
    audiences = optional(list(string), [])
    scopes    = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.jwt == null || can(regex("^https://[^\\s?#]+$", var.jwt.issuer))
    error_message = "jwt.issuer is required: your identity provider's https URL exactly as in the tokens' iss claim, with no query or fragment (e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123)."
  }
  validation {
    condition     = var.jwt == null || try(length(var.jwt.audiences) > 0 && alltrue([for a in var.jwt.audiences : length(trimspace(a)) > 0]), false)
    error_message = "jwt.audiences needs at least one non-empty value: the aud (or client_id) your tokens carry, e.g. a Cognito app client id."
  }
}

variable "http_api" {
  description = "HTTP API settings (modules/http_api): throttling, CORS, detailed metrics and the optional Function URL (its auth follows api_auth). Who may call the API is api_auth."
  type = object({
    authorization_type = optional(string)
    throttling = optional(object({
      rate_limit  = optional(number)
      burst_limit = optional(number)
    }), {})
    cors = optional(object({
      allow_origins     = list(string)
      allow_methods     = optional(list(string))
      allow_headers     = optional(list(string))
      expose_headers    = optional(list(string))
      allow_credentials = optional(bool)
      max_age           = optional(number)
    }))
    detailed_metrics = optional(bool)
    function_url = optional(object({
      enabled            = optional(bool, false)
      authorization_type = optional(string)
    }), {})
  })
  default  = {}
  nullable = false

  # Silently ignoring the old settings could leave an API public that its owner meant to protect.
  validation {
    condition     = var.http_api.authorization_type == null && var.http_api.function_url.authorization_type == null
    error_message = "http_api.authorization_type and http_api.function_url.authorization_type were replaced by api_auth (\"iam\", \"jwt\" or \"none\"), which sets both."
  }
}

variable "observability" {
  description = "Alarms and dashboard (modules/observability): where alarms notify (e.g. an SNS topic ARN), thresholds, and the EMF metric names of the cache counters."
  type = object({
    enabled          = optional(bool, true)
    alarm_actions    = optional(list(string))
    create_dashboard = optional(bool)
    thresholds = optional(object({
      period_seconds           = optional(number)
      evaluation_periods       = optional(number)
      datapoints_to_alarm      = optional(number)
      iterator_age_ms          = optional(number)
      function_errors          = optional(number)
      function_throttles       = optional(number)
      on_failure_queue_depth   = optional(number)
      cache_hit_ratio_percent  = optional(number)
      cache_min_requests       = optional(number)
      cache_evaluation_periods = optional(number)
    }), {})
    cache_metrics = optional(object({
      namespace  = optional(string)
      hits       = optional(string)
      misses     = optional(string)
      dimensions = optional(map(string))
    }), {})
  })
  default  = {}
  nullable = false
}

variable "monitor" {
  description = "The consistency monitor (modules/monitor, docs/monitor.md): whether to deploy it, its schedule, entries sampled per run, grace window and timeout. Its alarm notifies observability.alarm_actions."
  type = object({
    enabled       = optional(bool, true)
    schedule      = optional(string)
    sample_size   = optional(number)
    grace_seconds = optional(number)
    timeout       = optional(number)
  })
  default  = {}
  nullable = false
}
