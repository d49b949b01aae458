# The items table. The stream is not optional: the stream handler keeps the cache coherent from it
# and needs both images (NewImage for puts, OldImage's version for tombstones).
resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = var.billing.mode
  read_capacity               = var.billing.read_capacity
  write_capacity              = var.billing.write_capacity
  table_class                 = var.table_class
  deletion_protection_enabled = var.deletion_protection

  hash_key = "id"

  attribute {
    name = "id"
    type = "S"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]

    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  tags = var.tags
}
