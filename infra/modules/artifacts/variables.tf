variable "name" {
  description = "Name prefix; the bucket is named <name>-artifacts-<random suffix> unless bucket_name is set (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "bucket_name" {
  description = "Exact bucket name, or null to let AWS append a unique suffix to <name>-artifacts-."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit."
  }
}

variable "packages" {
  description = "Deployment zips to upload, by package name (e.g. api, stream-handler): path of each zip built by `./dev package`. Each is stored under <name>/<sha256>.zip, so a new build gets a new key."
  type = map(object({
    path = string
  }))
  nullable = false

  validation {
    condition     = length(var.packages) > 0 && alltrue([for k in keys(var.packages) : can(regex("^[a-z0-9][a-z0-9_-]*$", k))])
    error_message = "packages must name at least one package, with names of a-z, 0-9, '_' and '-'."
  }
  validation {
    condition     = alltrue([for p in values(var.packages) : endswith(p.path, ".zip")])
    error_message = "Every package path must name a .zip file."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for default bucket encryption (SSE-KMS with a bucket key); null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version is kept before it expires (rollback window)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of at least 1."
  }
}

variable "deny_insecure_transport" {
  description = "Attach a bucket policy refusing every request not made over TLS. Only an emulator reached over plain HTTP needs this off."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with all its object versions. The bucket holds only build outputs, but the default stays false so nothing is deleted by surprise."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to the bucket and the objects."
  type        = map(string)
  default     = {}
  nullable    = false
}
