# The monitor's execution role: one consistent GetItem per sampled id, its own logs, the cache's
# auth (the AUTH secret, or elasticache:Connect with IAM auth), and the ENI rights Lambda needs in a
# VPC. Nothing that writes data.

data "aws_region" "current" {}

locals {
  # IAM names are global: the region suffix lets the same name deploy in a second region.
  role_name = "${local.function_name}-${data.aws_region.current.name}"

  statements = concat(
    [
      {
        Sid      = "ItemsTableRead"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem"]
        Resource = [var.table.arn]
      },
      {
        Sid      = "OwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ],
    var.table.kms_key_arn == null ? [] : [{
      Sid       = "ItemsTableKey"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:DescribeKey"]
      Resource  = [var.table.kms_key_arn]
      Condition = { StringLike = { "kms:ViaService" = "dynamodb.*.amazonaws.com" } }
    }],
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
    # The actions of AWSLambdaVPCAccessExecutionRole; EC2 has no resource-level permissions for them.
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

resource "aws_iam_role" "this" {
  name                 = local.role_name
  path                 = var.iam.path
  description          = "Execution role of ${local.function_name} in ${data.aws_region.current.name}"
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
    precondition {
      condition     = length(local.role_name) <= 64
      error_message = "The role name ${local.role_name} is longer than IAM's 64 characters: shorten name."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name = "least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.statements
  })
}
