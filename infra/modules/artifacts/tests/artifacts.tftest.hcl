mock_provider "aws" {
  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "sc-test-artifacts-20240101000000000000000001"
      arn = "arn:aws:s3:::sc-test-artifacts-20240101000000000000000001"
    }
  }
}

variables {
  name = "sc-test"
  packages = {
    api              = { path = "../../tests/fixtures/dist/api.zip" }
    "stream-handler" = { path = "../../tests/fixtures/dist/stream-handler.zip" }
  }
}

run "bucket_is_private_versioned_and_encrypted" {
  command = apply

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls &&
      aws_s3_bucket_public_access_block.this.block_public_policy &&
      aws_s3_bucket_public_access_block.this.ignore_public_acls &&
      aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "All four public access block settings must be on."
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "Object ownership must be BucketOwnerEnforced (ACLs disabled)."
  }
  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "Versioning must be enabled."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Default encryption must be SSE-S3 without a customer key."
  }
  assert {
    condition = anytrue([
      for s in jsondecode(aws_s3_bucket_policy.this[0].policy).Statement :
      s.Effect == "Deny" && s.Condition.Bool["aws:SecureTransport"] == "false" && contains(s.Resource, "${aws_s3_bucket.this.arn}/*")
    ])
    error_message = "The bucket policy must deny requests without TLS."
  }
  assert {
    condition     = aws_s3_bucket.this.force_destroy == false && aws_s3_bucket.this.bucket_prefix == "sc-test-artifacts-"
    error_message = "The bucket must not be force-destroyed by default and must be named after the prefix."
  }
}

run "zips_are_uploaded_under_content_addressed_keys" {
  command = apply

  assert {
    condition     = aws_s3_object.this["api"].key == "api/${filesha256("../../tests/fixtures/dist/api.zip")}.zip"
    error_message = "The api zip key must be its SHA-256."
  }
  assert {
    condition     = aws_s3_object.this["stream-handler"].key == "stream-handler/${filesha256("../../tests/fixtures/dist/stream-handler.zip")}.zip"
    error_message = "The stream-handler zip key must be its SHA-256."
  }
  assert {
    condition     = output.packages["api"].s3_bucket == aws_s3_bucket.this.id && output.packages["api"].s3_key == aws_s3_object.this["api"].key
    error_message = "The package output must point at the uploaded object."
  }
  assert {
    condition     = output.packages["api"].source_code_hash == filebase64sha256("../../tests/fixtures/dist/api.zip")
    error_message = "source_code_hash must be the base64 SHA-256 of the zip."
  }
}

run "customer_key_uses_sse_kms_with_a_bucket_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
    )
    error_message = "A customer key must give SSE-KMS with a bucket key."
  }
}

run "rejects_a_missing_zip" {
  command = plan

  variables {
    packages = { api = { path = "does-not-exist/api.zip" } }
  }

  expect_failures = [aws_s3_object.this]
}
