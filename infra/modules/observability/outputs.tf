output "alarm_names" {
  description = "Names of all alarms, by purpose."
  value       = merge({ for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }, { "cache-hit-ratio" = aws_cloudwatch_metric_alarm.cache_hit_ratio.alarm_name })
}

output "alarm_arns" {
  description = "ARNs of all alarms, by purpose."
  value       = merge({ for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }, { "cache-hit-ratio" = aws_cloudwatch_metric_alarm.cache_hit_ratio.arn })
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, or null when not created."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}
