variable "name" {
  description = "Name of the DynamoDB table."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of A-Z, a-z, 0-9, '_', '-' and '.'."
  }
}

variable "billing" {
  description = "Capacity mode: PAY_PER_REQUEST (default, nothing else to set) or PROVISIONED with read_capacity and write_capacity."
  type = object({
    mode           = optional(string, "PAY_PER_REQUEST")
    read_capacity  = optional(number)
    write_capacity = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing.mode)
    error_message = "billing.mode must be PAY_PER_REQUEST or PROVISIONED."
  }
  validation {
    condition = var.billing.mode == "PAY_PER_REQUEST" ? (
      var.billing.read_capacity == null && var.billing.write_capacity == null
      ) : (
      try(var.billing.read_capacity >= 1 && var.billing.write_capacity >= 1, false)
    )
    error_message = "PROVISIONED needs read_capacity and write_capacity of at least 1; PAY_PER_REQUEST takes neither."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for server-side encryption. Encryption at rest is always on; null uses the AWS managed key (alias/aws/dynamodb)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "point_in_time_recovery" {
  description = "Continuous backups with point-in-time recovery (35 days)."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection" {
  description = "Refuse DeleteTable while on. Turn it off (and apply) before destroying the environment."
  type        = bool
  default     = true
  nullable    = false
}

variable "ttl_attribute" {
  description = "Name of a Number attribute holding an expiry time in epoch seconds, enabling DynamoDB TTL. The API's deleted markers (docs/cache.md) carry expiresAt and expire a day after the delete (DynamoDB deletes expired items typically within two days); another name, or null, leaves them in the table. TTL deletions reach the stream like any delete."
  type        = string
  default     = "expiresAt"

  validation {
    condition     = var.ttl_attribute == null || can(regex("^[A-Za-z0-9_.-]{1,255}$", var.ttl_attribute))
    error_message = "ttl_attribute must be 1-255 characters of A-Z, a-z, 0-9, '_', '-' and '.'."
  }
  validation {
    condition     = !contains(["id", "version", "createdAt", "updatedAt", "deletedAt"], coalesce(var.ttl_attribute, "-"))
    error_message = "ttl_attribute must not be one of the server-owned item attributes (id, version, createdAt, updatedAt, deletedAt)."
  }
}

variable "table_class" {
  description = "STANDARD, or STANDARD_INFREQUENT_ACCESS for tables whose storage costs dominate their throughput."
  type        = string
  default     = "STANDARD"
  nullable    = false

  validation {
    condition     = contains(["STANDARD", "STANDARD_INFREQUENT_ACCESS"], var.table_class)
    error_message = "table_class must be STANDARD or STANDARD_INFREQUENT_ACCESS."
  }
}

variable "tags" {
  description = "Tags added to the table."
  type        = map(string)
  default     = {}
  nullable    = false
}
