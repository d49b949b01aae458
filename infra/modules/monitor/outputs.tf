output "function_name" {
  description = "Name of the monitor function (the FunctionName dimension of its metrics)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the monitor function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the monitor's execution role."
  value       = aws_iam_role.this.arn
}

output "alarm_arn" {
  description = "ARN of the alarm on CacheEntriesInconsistent > 0."
  value       = aws_cloudwatch_metric_alarm.this.arn
}

output "schedule_rule_arn" {
  description = "ARN of the EventBridge rule that runs the monitor."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "architectures" {
  description = "Instruction set the monitor runs on (the architecture variable)."
  value       = aws_lambda_function.this.architectures
}

output "environment" {
  description = "Environment variables the monitor receives (the cache's the same as modules/functions')."
  value       = local.environment
}

output "policy" {
  description = "The execution role's least-privilege policy document (JSON)."
  value       = aws_iam_role_policy.this.policy
}
