# One execution role per function, each with only what its code (and Lambda on its behalf) uses.

data "aws_region" "current" {}

locals {
  # IAM names are global to the account: the region keeps a second region's deployment of the same
  # name from failing with EntityAlreadyExists (at most 24 + 15 + 1 + 15 characters of IAM's 64).
  role_names = { for key, fn in local.functions : key => "${fn.name}-${data.aws_region.current.name}" }

  data_statements = {
    api = concat(
      [{
        Sid    = "ItemsTable"
        Effect = "Allow"
        # Deletes are PutItems of a deleted marker (docs/cache.md), so no DeleteItem.
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"]
        Resource = [var.table.arn]
      }],
      var.table.kms_key_arn == null ? [] : [{
        Sid       = "ItemsTableKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource  = [var.table.kms_key_arn]
        Condition = { StringLike = { "kms:ViaService" = "dynamodb.*.amazonaws.com" } }
      }],
    )
    stream_handler = concat(
      [
        {
          Sid      = "ItemsStream"
          Effect   = "Allow"
          Action   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
          Resource = [var.table.stream_arn]
        },
        {
          Sid      = "ListItemsStreams"
          Effect   = "Allow"
          Action   = ["dynamodb:ListStreams"]
          Resource = ["${var.table.arn}/stream/*"]
        },
        {
          Sid      = "OnFailureQueue"
          Effect   = "Allow"
          Action   = ["sqs:SendMessage"]
          Resource = [aws_sqs_queue.this.arn]
        },
      ],
      var.table.kms_key_arn == null ? [] : [{
        Sid       = "ItemsStreamKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = [var.table.kms_key_arn]
        Condition = { StringLike = { "kms:ViaService" = "dynamodb.*.amazonaws.com" } }
      }],
      var.kms_key_arn == null ? [] : [{
        Sid       = "OnFailureQueueKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [var.kms_key_arn]
        Condition = { StringLike = { "kms:ViaService" = "sqs.*.amazonaws.com" } }
      }],
    )
  }

  shared_statements = {
    for key, _ in local.functions : key => concat(
      [
        {
          Sid      = "OwnLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.this[key].arn}:*"]
        },
        {
          # X-Ray has no resource-level permissions for these two actions.
          Sid      = "XRayWrite"
          Effect   = "Allow"
          Action   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
          Resource = ["*"]
        },
      ],
      var.cache.auth_secret_arn == null ? [] : [{
        Sid      = "CacheAuthSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [var.cache.auth_secret_arn]
      }],
      var.cache.auth_secret_kms_key_arn == null ? [] : [{
        Sid       = "CacheAuthSecretKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.cache.auth_secret_kms_key_arn]
        Condition = { StringLike = { "kms:ViaService" = "secretsmanager.*.amazonaws.com" } }
      }],
      # ElastiCache IAM auth: the role signs its own tokens; Connect names the cache and the user.
      var.cache.iam == null ? [] : [{
        Sid      = "CacheConnect"
        Effect   = "Allow"
        Action   = ["elasticache:Connect"]
        Resource = var.cache.iam.connect_resource_arns
      }],
      # Same actions as the AWSLambdaVPCAccessExecutionRole managed policy; EC2 does not support
      # resource-level permissions for the Describe calls, and Lambda manages the ENIs.
      var.vpc == null ? [] : [{
        Sid    = "VpcNetworkInterfaces"
        Effect = "Allow"
        Action = [
          "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
          "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses",
        ]
        Resource = ["*"]
      }],
    )
  }
}

resource "aws_iam_role" "this" {
  for_each = local.functions

  name                 = local.role_names[each.key]
  path                 = var.iam.path
  description          = "Execution role of ${each.value.name} in ${data.aws_region.current.name}"
  permissions_boundary = var.iam.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags

  lifecycle {
    # A renamed role (e.g. the region suffix on an existing deployment) exists before the old one goes,
    # so the function never points at a deleted role.
    create_before_destroy = true

    precondition {
      condition     = length(local.role_names[each.key]) <= 64
      error_message = "The role name ${local.role_names[each.key]} is longer than IAM's 64 characters: shorten name."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = local.functions

  name = "least-privilege"
  role = aws_iam_role.this[each.key].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.data_statements[each.key], local.shared_statements[each.key])
  })

  # With the role: the old role keeps its rights until the function has moved to the new one.
  lifecycle {
    create_before_destroy = true
  }
}
