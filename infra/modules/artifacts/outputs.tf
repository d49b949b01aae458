output "bucket_name" {
  description = "Name of the artifacts bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = aws_s3_bucket.this.arn
}

output "packages" {
  description = "Per package: where the zip is (s3_bucket, s3_key, s3_object_version) and its base64 SHA-256 (source_code_hash), ready for aws_lambda_function."
  value = {
    for name, object in aws_s3_object.this : name => {
      s3_bucket         = object.bucket
      s3_key            = object.key
      s3_object_version = object.version_id
      source_code_hash  = local.objects[name].sha256
    }
  }
}
