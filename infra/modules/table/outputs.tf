output "name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "ARN of the table."
  value       = aws_dynamodb_table.this.arn
}

output "stream_arn" {
  description = "ARN of the table's stream (NEW_AND_OLD_IMAGES)."
  value       = aws_dynamodb_table.this.stream_arn
}

output "hash_key" {
  description = "Partition key attribute (a String)."
  value       = aws_dynamodb_table.this.hash_key
}

output "kms_key_arn" {
  description = "Customer managed KMS key of the table, or null for the AWS managed key."
  value       = var.kms_key_arn
}
