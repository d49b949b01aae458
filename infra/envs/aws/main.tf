# streamcache on AWS: a private VPC, the items table and its stream, an ElastiCache cache, the two
# functions from S3, the HTTP API in front, and alarms. This file only composes modules.

locals {
  dist_dir = coalesce(var.dist_dir, abspath("${path.root}/../../../build/dist"))
  # `./dev package --arch arm64` writes the arm64 zips beside the x86_64 ones, under arm64/.
  zip_dir = var.architecture == "arm64" ? "${local.dist_dir}/arm64" : local.dist_dir

  tags = merge({
    Project     = "streamcache"
    Environment = var.name
    ManagedBy   = "terraform"
  }, var.tags)

  # api_auth → the route authorization of modules/http_api (the Function URL follows it there).
  authorization_type = { iam = "AWS_IAM", jwt = "JWT", none = "NONE" }[var.api_auth]
  # A missing jwt is reported by output.api_auth's precondition; the module gets a valid value so that the error is not repeated in its terms.
  jwt_ready = var.api_auth != "jwt" || var.jwt != null

  cache_group = contains(["managed", "replication_group", "cluster"], var.cache.mode)
  cache_port = (
    local.cache_group ? coalesce(var.cache.managed.port, 6379) :
    var.cache.mode == "serverless" ? 6379 :
    try(tonumber(regex(":([0-9]+)/?$", var.cache.external.url)[0]), 6379)
  )
  # IAM auth reads no secret: no Secrets Manager interface endpoint to pay for.
  endpoints = var.cache.auth != "iam" ? var.network.endpoints : merge(var.network.endpoints, {
    interface = var.network.endpoints.interface == null ? toset([]) : setsubtract(var.network.endpoints.interface, ["secretsmanager"])
  })
}

module "network" {
  source = "../../modules/network"

  name                     = var.name
  vpc                      = var.network.vpc
  existing                 = var.network.existing
  endpoints                = local.endpoints
  flow_logs                = merge(var.network.flow_logs, { retention_in_days = var.log_retention_in_days })
  https_egress_cidr_blocks = var.network.https_egress_cidr_blocks
  cache_egress_cidr_blocks = var.network.cache_egress_cidr_blocks
  redis_port               = local.cache_port
  redis_reader_port        = var.cache.mode == "serverless" ? 6380 : null
}

module "table" {
  source = "../../modules/table"

  name                   = "${var.name}-items"
  billing                = var.table.billing
  kms_key_arn            = var.table.kms_key_arn
  point_in_time_recovery = var.table.point_in_time_recovery
  deletion_protection    = var.table.deletion_protection
  ttl_attribute          = var.table.ttl_attribute
  table_class            = var.table.table_class
}

module "cache" {
  source = "../../modules/cache"

  name = var.name
  mode = var.cache.mode
  auth = var.cache.auth
  managed = !local.cache_group ? null : merge(var.cache.managed, {
    subnet_ids         = module.network.subnet_ids
    security_group_ids = [module.network.cache_security_group_id]
  })
  serverless = var.cache.mode != "serverless" ? null : merge(var.cache.serverless, {
    subnet_ids         = module.network.subnet_ids
    security_group_ids = [module.network.cache_security_group_id]
  })
  external = var.cache.external
  secret   = var.cache.secret
}

module "artifacts" {
  source = "../../modules/artifacts"

  name = var.name
  packages = merge({
    api              = { path = "${local.zip_dir}/api.zip" }
    "stream-handler" = { path = "${local.zip_dir}/stream-handler.zip" }
  }, var.monitor.enabled ? { monitor = { path = "${local.zip_dir}/monitor.zip" } } : {})
  # The bucket holds only build outputs that `./dev package` recreates, so `./dev destroy aws` may empty it.
  force_destroy = true
}

module "functions" {
  source = "../../modules/functions"

  name = var.name
  code = {
    api            = module.artifacts.packages["api"]
    stream_handler = module.artifacts.packages["stream-handler"]
  }
  table = {
    name        = module.table.name
    arn         = module.table.arn
    stream_arn  = module.table.stream_arn
    kms_key_arn = module.table.kms_key_arn
  }
  cache = {
    redis_url               = module.cache.redis_url
    auth_secret_arn         = module.cache.auth_secret_arn
    auth_secret_kms_key_arn = module.cache.auth_secret_kms_key_arn
    iam                     = module.cache.iam
  }
  vpc = {
    subnet_ids         = module.network.subnet_ids
    security_group_ids = [module.network.lambda_security_group_id]
  }

  architecture          = var.architecture
  api                   = var.functions.api
  stream_handler        = var.functions.stream_handler
  settings              = var.functions.settings
  tracing_mode          = var.functions.tracing_mode
  kms_key_arn           = var.functions.kms_key_arn
  environment_variables = var.functions.environment_variables
  iam                   = { permissions_boundary = var.functions.permissions_boundary }
  logs                  = { retention_in_days = var.log_retention_in_days, kms_key_arn = var.functions.log_kms_key_arn }
  event_source_mapping  = var.event_source_mapping
}

module "http_api" {
  source = "../../modules/http_api"

  name = var.name
  function = {
    name       = module.functions.api_function_name
    invoke_arn = module.functions.api_invoke_arn
  }
  authorization = local.jwt_ready ? {
    type = local.authorization_type
    jwt  = var.api_auth == "jwt" ? var.jwt : null
  } : { type = "AWS_IAM", jwt = null }
  throttling       = var.http_api.throttling
  cors             = var.http_api.cors
  detailed_metrics = var.http_api.detailed_metrics
  # Function URLs cannot check JWTs: output.api_auth refuses the combination in this environment's terms.
  function_url = { enabled = var.http_api.function_url.enabled && var.api_auth != "jwt" }
  access_logs  = { retention_in_days = var.log_retention_in_days }
}

# A public API is allowed, but never silently: every plan says so.
check "api_auth" {
  assert {
    condition     = var.api_auth != "none"
    error_message = "api_auth = \"none\": the items API is public. Anyone who finds its URL can list, overwrite and delete every item. Use api_auth = \"iam\" or \"jwt\" unless that is what you want."
  }
}

module "observability" {
  source = "../../modules/observability"
  count  = var.observability.enabled ? 1 : 0

  name = var.name
  function_names = {
    api            = module.functions.api_function_name
    stream_handler = module.functions.stream_handler_function_name
  }
  on_failure_queue_name = module.functions.on_failure_queue.name
  api_id                = module.http_api.api_id
  access_log_group_name = module.http_api.access_log_group_name
  monitor_function_name = var.monitor.enabled ? module.monitor[0].function_name : null
  alarm_actions         = var.observability.alarm_actions
  create_dashboard      = var.observability.create_dashboard
  thresholds            = var.observability.thresholds
  cache_metrics         = var.observability.cache_metrics
}
