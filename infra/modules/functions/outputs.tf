output "functions" {
  description = "Both functions by key (api, stream_handler): name, ARN, invoke ARN, role, log group, S3 location of their code, instruction set (architectures) and VPC placement."
  value = {
    for key, fn in aws_lambda_function.this : key => {
      name           = fn.function_name
      arn            = fn.arn
      invoke_arn     = fn.invoke_arn
      role_arn       = aws_iam_role.this[key].arn
      role_name      = aws_iam_role.this[key].name
      log_group_name = aws_cloudwatch_log_group.this[key].name
      s3_bucket      = fn.s3_bucket
      s3_key         = fn.s3_key
      architectures  = fn.architectures
      vpc_subnet_ids = try(sort(fn.vpc_config[0].subnet_ids), [])
      vpc_sg_ids     = try(sort(fn.vpc_config[0].security_group_ids), [])
    }
  }
}

output "api_function_name" {
  description = "Name of the API function."
  value       = aws_lambda_function.this["api"].function_name
}

output "api_invoke_arn" {
  description = "Invoke ARN of the API function, for an API Gateway integration."
  value       = aws_lambda_function.this["api"].invoke_arn
}

output "stream_handler_function_name" {
  description = "Name of the stream handler function."
  value       = aws_lambda_function.this["stream_handler"].function_name
}

output "on_failure_queue" {
  description = "The SQS queue receiving stream batches that failed all retries: name, ARN and URL."
  value = {
    name = aws_sqs_queue.this.name
    arn  = aws_sqs_queue.this.arn
    url  = aws_sqs_queue.this.url
  }
}

output "event_source_mapping_uuid" {
  description = "UUID of the stream event source mapping, or null when it is not created."
  value       = try(aws_lambda_event_source_mapping.this[0].uuid, null)
}

output "environment" {
  description = "Environment variables both functions receive."
  value       = local.environment
}
