locals {
  create_vpc = var.existing == null

  # Zones of the private subnets: the given ones, or the first az_count the region offers outside exclude_zone_ids.
  discovered_zones = try(data.aws_availability_zones.available[0].names, [])
  availability_zones = (
    !local.create_vpc ? [] :
    var.vpc.availability_zones != null ? var.vpc.availability_zones :
    slice(local.discovered_zones, 0, min(var.vpc.az_count, length(local.discovered_zones)))
  )

  vpc_id          = local.create_vpc ? aws_vpc.this[0].id : var.existing.vpc_id
  subnet_ids      = local.create_vpc ? aws_subnet.private[*].id : var.existing.subnet_ids
  route_table_ids = local.create_vpc ? aws_route_table.private[*].id : var.existing.route_table_ids

  enable_nat = local.create_vpc && var.vpc.enable_nat_gateway

  create_dynamodb_endpoint   = var.endpoints.dynamodb && (local.create_vpc ? true : length(var.existing.route_table_ids) > 0)
  create_interface_endpoints = length(var.endpoints.interface) > 0

  create_flow_logs = local.create_vpc && var.flow_logs.enabled

  https_egress_cidr_blocks = distinct(concat(var.https_egress_cidr_blocks, local.enable_nat ? ["0.0.0.0/0"] : []))

  tags = var.tags
}

data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  count = local.create_vpc && var.vpc.availability_zones == null ? 1 : 0

  state = "available"
  # Zone IDs, not names: names map to different physical zones in each account.
  exclude_zone_ids = var.vpc.exclude_zone_ids

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_prefix_list" "dynamodb" {
  name = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
}

################################################################################
# VPC and private subnets (skipped when an existing VPC is given)
################################################################################

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.vpc.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = var.vpc.availability_zones != null || length(local.availability_zones) == var.vpc.az_count
      error_message = "The region offers fewer Availability Zones than vpc.az_count outside vpc.exclude_zone_ids; lower az_count, shorten exclude_zone_ids or set vpc.availability_zones."
    }
  }
}

# Adopt the default security group and strip its rules, so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-default-deny-all" })
}

resource "aws_subnet" "private" {
  count = length(local.availability_zones)

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = local.availability_zones[count.index]
  cidr_block              = cidrsubnet(var.vpc.cidr_block, var.vpc.subnet_newbits, count.index)
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.name}-private-${local.availability_zones[count.index]}", Tier = "private" })
}

resource "aws_route_table" "private" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-private" })
}

resource "aws_route_table_association" "private" {
  count = length(aws_subnet.private)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

################################################################################
# Optional single NAT gateway (off by default: it costs per hour and per GB)
################################################################################

resource "aws_internet_gateway" "this" {
  count = local.enable_nat ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = var.name })
}

# The public subnet (NAT only) takes the CIDR block right after the private ones.
resource "aws_subnet" "public" {
  count = local.enable_nat ? 1 : 0

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = local.availability_zones[0]
  cidr_block              = cidrsubnet(var.vpc.cidr_block, var.vpc.subnet_newbits, length(local.availability_zones))
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.name}-public-${local.availability_zones[0]}", Tier = "public" })
}

resource "aws_route_table" "public" {
  count = local.enable_nat ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  count = local.enable_nat ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.enable_nat ? 1 : 0

  subnet_id      = aws_subnet.public[0].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_eip" "this" {
  count = local.enable_nat ? 1 : 0

  domain = "vpc"

  tags = merge(local.tags, { Name = "${var.name}-nat" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.enable_nat ? 1 : 0

  allocation_id = aws_eip.this[0].id
  subnet_id     = aws_subnet.public[0].id

  tags = merge(local.tags, { Name = var.name })
}

resource "aws_route" "private_nat" {
  count = local.enable_nat ? 1 : 0

  route_table_id         = aws_route_table.private[0].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[0].id
}

################################################################################
# Security groups: functions → cache on the Redis port only, functions → endpoints on 443
################################################################################

resource "aws_security_group" "lambda" {
  name_prefix = "${var.name}-lambda-"
  description = "streamcache functions: egress to the cache port, DynamoDB and VPC endpoints only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-lambda" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "cache" {
  name_prefix = "${var.name}-cache-"
  description = "streamcache cache: ingress from the function security group on the Redis port only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-cache" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "endpoints" {
  count = local.create_interface_endpoints ? 1 : 0

  name_prefix = "${var.name}-endpoints-"
  description = "streamcache interface endpoints: HTTPS from the function security group only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-endpoints" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_cache" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "Redis (TLS) to the cache"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_port
  to_port                      = var.redis_port
  referenced_security_group_id = aws_security_group.cache.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_dynamodb" {
  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to DynamoDB"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_prefix_list.dynamodb.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_endpoints" {
  count = local.create_interface_endpoints ? 1 : 0

  security_group_id            = aws_security_group.lambda.id
  description                  = "HTTPS to the interface VPC endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints[0].id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_https" {
  for_each = toset(local.https_egress_cidr_blocks)

  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_external_cache" {
  for_each = toset(var.cache_egress_cidr_blocks)

  security_group_id = aws_security_group.lambda.id
  description       = "Redis to the external cache at ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.redis_port
  to_port           = var.redis_port
  cidr_ipv4         = each.value

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_lambda" {
  security_group_id            = aws_security_group.cache.id
  description                  = "Redis (TLS) from the functions"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_port
  to_port                      = var.redis_port
  referenced_security_group_id = aws_security_group.lambda.id

  tags = local.tags
}

# ElastiCache Serverless: the reader endpoint's port, on the same security groups.
resource "aws_vpc_security_group_egress_rule" "lambda_to_cache_reader" {
  count = var.redis_reader_port == null ? 0 : 1

  security_group_id            = aws_security_group.lambda.id
  description                  = "Redis (TLS) to the cache's reader endpoint"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_reader_port
  to_port                      = var.redis_reader_port
  referenced_security_group_id = aws_security_group.cache.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "cache_reader_from_lambda" {
  count = var.redis_reader_port == null ? 0 : 1

  security_group_id            = aws_security_group.cache.id
  description                  = "Redis (TLS) reader endpoint from the functions"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_reader_port
  to_port                      = var.redis_reader_port
  referenced_security_group_id = aws_security_group.lambda.id

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_lambda" {
  count = local.create_interface_endpoints ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the functions"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.lambda.id

  tags = local.tags
}

################################################################################
# VPC endpoints: the functions reach AWS APIs without a NAT gateway
################################################################################

resource "aws_vpc_endpoint" "dynamodb" {
  count = local.create_dynamodb_endpoint ? 1 : 0

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.route_table_ids

  tags = merge(local.tags, { Name = "${var.name}-dynamodb" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = var.endpoints.interface

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = local.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(local.tags, { Name = "${var.name}-${each.value}" })
}

################################################################################
# Flow logs (rejected traffic by default) for a VPC created here
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = local.create_flow_logs ? 1 : 0

  name              = "/aws/vpc/${var.name}/flow-logs"
  retention_in_days = var.flow_logs.retention_in_days
  kms_key_id        = var.flow_logs.kms_key_arn

  tags = local.tags
}

resource "aws_flow_log" "this" {
  count = local.create_flow_logs ? 1 : 0

  vpc_id               = aws_vpc.this[0].id
  traffic_type         = var.flow_logs.traffic_type
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.this[0].arn
  iam_role_arn         = aws_iam_role.flow_logs[0].arn

  tags = merge(local.tags, { Name = var.name })
}
