output "api_endpoint" {
  description = "Base URL of the HTTP API as the emulator reports it, or null when enable_http_api is false."
  value       = module.http_api.api_endpoint
}

output "local_api_url" {
  description = "LocalStack URL of the HTTP API ($default stage), or null: curl $(terraform output -raw local_api_url)/items."
  value       = var.enable_http_api ? "http://${module.http_api.api_id}.execute-api.localhost.localstack.cloud:${local.endpoint_port}" : null
}

output "function_url" {
  description = "Function URL of the API function (works on the LocalStack Community image): curl $(terraform output -raw function_url)items."
  value       = module.http_api.function_url
}

output "api_auth" {
  description = "Who may call the API and the Function URL: none or iam (enforced only where the emulator enforces IAM)."
  value       = var.api_auth
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = module.http_api.api_id
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
}

output "dashboard_name" {
  description = "CloudWatch dashboard, or null."
  value       = try(module.observability[0].dashboard_name, null)
}
