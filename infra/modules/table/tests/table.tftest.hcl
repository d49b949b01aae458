mock_provider "aws" {}

variables {
  name = "sc-test-items"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.hash_key == "id" && one(aws_dynamodb_table.this.attribute).name == "id" && one(aws_dynamodb_table.this.attribute).type == "S"
    error_message = "The partition key must be the String attribute id."
  }
  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "Billing must default to PAY_PER_REQUEST."
  }
  assert {
    condition     = aws_dynamodb_table.this.stream_enabled && aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The stream must be on with NEW_AND_OLD_IMAGES."
  }
  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "Point-in-time recovery must be on by default."
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].enabled
    error_message = "Server-side encryption with a KMS key must be on."
  }
  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "Deletion protection must be on by default."
  }
  assert {
    condition     = aws_dynamodb_table.this.ttl[0].attribute_name == "expiresAt" && aws_dynamodb_table.this.ttl[0].enabled
    error_message = "TTL must be on for expiresAt by default: the API's deleted markers expire through it."
  }
}

run "ttl_can_be_turned_off" {
  command = plan

  variables {
    ttl_attribute = null
  }

  assert {
    condition     = length(aws_dynamodb_table.this.ttl) == 0
    error_message = "A null ttl_attribute turns TTL off."
  }
}

run "customer_key_ttl_and_provisioned_capacity" {
  command = plan

  variables {
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    ttl_attribute       = "expiresAt"
    deletion_protection = false
    billing             = { mode = "PROVISIONED", read_capacity = 5, write_capacity = 5 }
  }

  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    error_message = "The customer managed key must be used."
  }
  assert {
    condition     = aws_dynamodb_table.this.ttl[0].attribute_name == "expiresAt" && aws_dynamodb_table.this.ttl[0].enabled
    error_message = "TTL must use the named attribute."
  }
  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PROVISIONED" && aws_dynamodb_table.this.read_capacity == 5 && aws_dynamodb_table.this.write_capacity == 5
    error_message = "Provisioned capacity must be passed through."
  }
  assert {
    condition     = aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The stream view type does not depend on other settings."
  }
}

run "outputs_expose_the_stream" {
  command = apply

  assert {
    condition     = output.stream_arn == aws_dynamodb_table.this.stream_arn && output.arn == aws_dynamodb_table.this.arn && output.name == "sc-test-items"
    error_message = "Outputs must expose the table and its stream."
  }
}

run "rejects_provisioned_without_capacity" {
  command = plan

  variables {
    billing = { mode = "PROVISIONED" }
  }

  expect_failures = [var.billing]
}

run "rejects_a_server_owned_ttl_attribute" {
  command = plan

  variables {
    ttl_attribute = "version"
  }

  expect_failures = [var.ttl_attribute]
}

run "rejects_a_key_that_is_not_a_kms_arn" {
  command = plan

  variables {
    kms_key_arn = "alias/aws/dynamodb"
  }

  expect_failures = [var.kms_key_arn]
}
