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
  description = "Route keys sent to the function ([\"$default\"] unless routes was set)."
  value       = sort(keys(aws_apigatewayv2_route.this))
}

output "function_url" {
  description = "The Lambda Function URL, or null when disabled."
  value       = try(aws_lambda_function_url.this[0].function_url, null)
}

output "authorization_type" {
  description = "Authorization of every route: AWS_IAM, JWT or NONE."
  value       = var.authorization.type
}

output "authorizer_id" {
  description = "Id of the JWT authorizer, or null unless authorization.type is JWT."
  value       = try(aws_apigatewayv2_authorizer.this[0].id, null)
}

output "invoke_policy_resource" {
  description = "Resource for an IAM policy allowing execute-api:Invoke on every route and stage of this API (what AWS_IAM callers need), or null."
  value       = try("${aws_apigatewayv2_api.this[0].execution_arn}/*", null)
}

output "function_url_authorization_type" {
  description = "Authorization of the Function URL (AWS_IAM or NONE), or null when disabled."
  value       = try(aws_lambda_function_url.this[0].authorization_type, null)
}
