output "api_endpoint" {
  description = "Base URL of the items API; how to call it: output curl_example."
  value       = module.http_api.api_endpoint
}

output "api_auth" {
  description = "Who may call the API: iam (SigV4 and execute-api:Invoke), jwt (bearer tokens from jwt.issuer) or none (public)."
  value       = var.api_auth

  precondition {
    condition     = var.api_auth != "jwt" || var.jwt != null
    error_message = "api_auth = \"jwt\" needs jwt = { issuer = \"https://<your identity provider>\", audiences = [\"<aud or client_id of your tokens>\"] }."
  }
  precondition {
    condition     = var.api_auth == "jwt" || var.jwt == null
    error_message = "jwt is set but api_auth is \"${var.api_auth}\": set api_auth = \"jwt\" to use it, or remove jwt."
  }
  # A Function URL supports only AWS_IAM or NONE, so next to a JWT-protected API it would be a second door that skips the token check.
  precondition {
    condition     = !(var.api_auth == "jwt" && var.http_api.function_url.enabled)
    error_message = "http_api.function_url cannot be enabled with api_auth = \"jwt\": Function URLs cannot check JWTs (only AWS_IAM or NONE), so the URL would bypass the authorizer. Disable it, or use api_auth = \"iam\"."
  }
}

output "invoke_policy_resource" {
  description = "With api_auth = \"iam\": the Resource of an IAM policy statement allowing execute-api:Invoke on this API, for the users or roles that call it."
  value       = module.http_api.invoke_policy_resource
}

output "curl_example" {
  description = "A first call of the API as api_auth requires it (drop the x-amz-security-token header when your credentials have no session token)."
  value = {
    iam  = "curl --aws-sigv4 \"aws:amz:${var.region}:execute-api\" --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\" -H \"x-amz-security-token: $AWS_SESSION_TOKEN\" \"${module.http_api.api_endpoint}/items\""
    jwt  = "curl -H \"Authorization: Bearer $TOKEN\" \"${module.http_api.api_endpoint}/items\""
    none = "curl \"${module.http_api.api_endpoint}/items\""
  }[var.api_auth]
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = module.http_api.api_id
}

output "function_url" {
  description = "Lambda Function URL of the API function (AWS_IAM with api_auth = \"iam\": sign for service lambda), or null when disabled."
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
