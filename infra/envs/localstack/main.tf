# streamcache on LocalStack (or another emulator behind one endpoint): the same modules as on AWS,
# minus the VPC and ElastiCache (the cache is the compose file's Redis container), with a Function URL
# because API Gateway v2 is not in the LocalStack Community image.

locals {
  endpoint_port = try(regex("^https?://[^/:]+:([0-9]+)", var.endpoint)[0], "4566")

  dist_dir = coalesce(var.dist_dir, abspath("${path.root}/../../../build/dist"))
  # `./dev package --arch arm64` writes the arm64 zips beside the x86_64 ones, under arm64/.
  zip_dir = var.architecture == "arm64" ? "${local.dist_dir}/arm64" : local.dist_dir

  tags = merge({
    Project     = "streamcache"
    Environment = "${var.name}-localstack"
    ManagedBy   = "terraform"
  }, var.tags)
}

module "table" {
  source = "../../modules/table"

  name = "${var.name}-items"
  # Local data is disposable: let `./dev destroy localstack` drop the table, and skip backups.
  deletion_protection    = false
  point_in_time_recovery = false
}

module "cache" {
  source = "../../modules/cache"

  name     = var.name
  mode     = "external"
  external = { url = var.redis_url }
}

module "artifacts" {
  source = "../../modules/artifacts"

  name = var.name
  packages = {
    api              = { path = "${local.zip_dir}/api.zip" }
    "stream-handler" = { path = "${local.zip_dir}/stream-handler.zip" }
  }
  force_destroy = true
  # A TLS-only bucket policy would lock out an emulator reached over plain HTTP (moto enforces it).
  deny_insecure_transport = startswith(var.endpoint, "https://")
}

module "functions" {
  source = "../../modules/functions"

  name = var.name
  code = {
    api            = module.artifacts.packages["api"]
    stream_handler = module.artifacts.packages["stream-handler"]
  }
  table = {
    name       = module.table.name
    arn        = module.table.arn
    stream_arn = module.table.stream_arn
  }
  cache = {
    redis_url       = module.cache.redis_url
    auth_secret_arn = module.cache.auth_secret_arn
  }
  architecture          = var.architecture
  settings              = { log_level = var.log_level }
  environment_variables = var.function_endpoint_url == null ? {} : { AWS_ENDPOINT_URL = var.function_endpoint_url }
  event_source_mapping  = { create = var.enable_event_source_mapping }
  logs                  = { retention_in_days = 1 }
}

module "http_api" {
  source = "../../modules/http_api"

  name = var.name
  function = {
    name       = module.functions.api_function_name
    invoke_arn = module.functions.api_invoke_arn
  }
  create_http_api = var.enable_http_api
  access_logs     = { retention_in_days = 1 }
  # Both the routes and the Function URL follow api_auth; the URL works on every LocalStack image.
  authorization = { type = var.api_auth == "iam" ? "AWS_IAM" : "NONE" }
  function_url  = { enabled = true }
}

module "observability" {
  source = "../../modules/observability"
  count  = var.enable_observability ? 1 : 0

  name = var.name
  function_names = {
    api            = module.functions.api_function_name
    stream_handler = module.functions.stream_handler_function_name
  }
  on_failure_queue_name = module.functions.on_failure_queue.name
  api_id                = module.http_api.api_id
}
