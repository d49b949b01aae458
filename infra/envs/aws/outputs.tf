output "api_endpoint" {
  description = "Base URL of the items API, e.g. curl $(terraform output -raw api_endpoint)/items."
  value       = module.http_api.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = module.http_api.api_id
}

output "function_url" {
  description = "Lambda Function URL of the API function, or null when disabled."
  value       = module.http_api.function_url
}

output "artifacts_bucket" {
  description = "S3 bucket holding the function zips."
  value       = module.artifacts.bucket_name
}

output "table_name" {
  description = "Name of the items table."
  value       = module.table.name
}

output "table_arn" {
  description = "ARN of the items table."
  value       = module.table.arn
}

output "table_stream_arn" {
  description = "ARN of the items table's stream."
  value       = module.table.stream_arn
}

output "functions" {
  description = "Both functions (api, stream_handler): name, ARN, role, log group and S3 code location."
  value       = module.functions.functions
}

output "on_failure_queue_url" {
  description = "URL of the SQS queue holding stream batches that failed all retries."
  value       = module.functions.on_failure_queue.url
}

output "redis_url" {
  description = "REDIS_URL given to the functions."
  value       = module.cache.redis_url
  sensitive   = true
}

output "cache_auth_secret_arn" {
  description = "Secrets Manager secret holding the cache AUTH token, or null."
  value       = module.cache.auth_secret_arn
}

output "vpc_id" {
  description = "VPC the functions and the cache run in."
  value       = module.network.vpc_id
}

output "dashboard_name" {
  description = "CloudWatch dashboard, or null."
  value       = try(module.observability[0].dashboard_name, null)
}
