output "api_id" {
  description = "Id of the HTTP API, or null when create_http_api is false."
  value       = try(aws_apigatewayv2_api.this[0].id, null)
}

output "api_endpoint" {
  description = "Base URL of the API ($default stage), e.g. https://abc123.execute-api.eu-west-1.amazonaws.com."
  value       = try(aws_apigatewayv2_api.this[0].api_endpoint, null)
}

output "execution_arn" {
  description = "Execution ARN of the API (for IAM policies granting execute-api:Invoke)."
  value       = try(aws_apigatewayv2_api.this[0].execution_arn, null)
}

output "stage_invoke_url" {
  description = "Invoke URL of the $default stage."
  value       = try(aws_apigatewayv2_stage.this[0].invoke_url, null)
}

output "access_log_group_name" {
  description = "CloudWatch log group of the access logs."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "routes" {
  description = "Route keys served by the function."
  value       = sort(keys(aws_apigatewayv2_route.this))
}

output "function_url" {
  description = "The Lambda Function URL, or null when disabled."
  value       = try(aws_lambda_function_url.this[0].function_url, null)
}
