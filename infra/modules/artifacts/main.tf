locals {
  sse_algorithm = var.kms_key_arn == null ? "AES256" : "aws:kms"

  # Content-addressed keys: a changed zip is a new object, so functions never run a half-updated key.
  # A missing zip only fails the plan of an upload (precondition below), so destroy works without a build.
  objects = {
    for name, package in var.packages : name => {
      path   = package.path
      exists = fileexists(package.path)
      key    = "${name}/${fileexists(package.path) ? filesha256(package.path) : "missing"}.zip"
      sha256 = fileexists(package.path) ? filebase64sha256(package.path) : null
    }
  }
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  bucket_prefix = var.bucket_name == null ? "${var.name}-artifacts-" : null
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  count = var.deny_insecure_transport ? 1 : 0

  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  # A bucket policy put before the public access block could be judged "public" and rejected.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_object" "this" {
  for_each = local.objects

  bucket       = aws_s3_bucket.this.id
  key          = each.value.key
  source       = each.value.path
  source_hash  = each.value.sha256
  content_type = "application/zip"

  tags = var.tags

  lifecycle {
    precondition {
      condition     = each.value.exists
      error_message = "${each.value.path} does not exist: run `./dev package` first (it writes build/dist/api.zip and build/dist/stream-handler.zip; `./dev package --arch arm64` writes build/dist/arm64/*.zip)."
    }
  }

  # Upload only once the bucket's encryption, ownership and versioning are in place.
  depends_on = [
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_versioning.this,
  ]
}
