mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
  mock_data "aws_prefix_list" {
    defaults = { id = "pl-6da54004" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  # The provider validates ARN arguments even when mocked, so computed ARNs need a valid shape.
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc/sc-test/flow-logs" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/sc-test-flow-logs" }
  }
}

variables {
  name = "sc-test"
}

run "private_subnets_in_two_zones_without_nat" {
  command = apply

  assert {
    condition     = length(aws_subnet.private) == 2 && length(distinct(aws_subnet.private[*].availability_zone)) == 2
    error_message = "Expected two private subnets in two distinct Availability Zones."
  }
  assert {
    condition     = data.aws_availability_zones.available[0].exclude_zone_ids == toset(["use1-az3"])
    error_message = "Zone discovery must skip use1-az3 by default: it has no Graviton cache nodes."
  }
  assert {
    condition     = alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch == false])
    error_message = "Private subnets must not assign public IPs."
  }
  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_internet_gateway.this) == 0 && length(aws_route.private_nat) == 0
    error_message = "No NAT gateway or internet gateway may exist by default."
  }
  assert {
    condition     = aws_vpc_endpoint.dynamodb[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.dynamodb[0].service_name == "com.amazonaws.eu-west-1.dynamodb"
    error_message = "Expected a DynamoDB gateway endpoint."
  }
  assert {
    condition     = toset(aws_vpc_endpoint.dynamodb[0].route_table_ids) == toset(aws_route_table.private[*].id)
    error_message = "The DynamoDB endpoint must serve the private route table."
  }
  assert {
    condition = (
      keys(aws_vpc_endpoint.interface) == ["secretsmanager"] &&
      aws_vpc_endpoint.interface["secretsmanager"].vpc_endpoint_type == "Interface" &&
      aws_vpc_endpoint.interface["secretsmanager"].service_name == "com.amazonaws.eu-west-1.secretsmanager" &&
      aws_vpc_endpoint.interface["secretsmanager"].private_dns_enabled &&
      aws_vpc_endpoint.interface["secretsmanager"].security_group_ids == toset([aws_security_group.endpoints[0].id])
    )
    error_message = "Expected only a Secrets Manager interface endpoint, with private DNS, behind the endpoint security group."
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.lambda_https) == 0 && length(aws_vpc_security_group_egress_rule.lambda_to_external_cache) == 0
    error_message = "Functions must have no internet egress when there is no NAT."
  }
  assert {
    condition     = aws_default_security_group.this[0].vpc_id == aws_vpc.this[0].id && length(aws_default_security_group.this[0].ingress) == 0 && length(aws_default_security_group.this[0].egress) == 0
    error_message = "The default security group must be adopted with no rules."
  }
  assert {
    condition     = aws_flow_log.this[0].traffic_type == "REJECT" && aws_flow_log.this[0].log_destination == aws_cloudwatch_log_group.this[0].arn
    error_message = "Flow logs (rejected traffic) must go to the module's log group."
  }
}

run "serverless_cache_reachable_on_both_ports" {
  command = apply

  variables {
    redis_port        = 6379
    redis_reader_port = 6380
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.cache_from_lambda.from_port == 6379 &&
      aws_vpc_security_group_ingress_rule.cache_reader_from_lambda[0].from_port == 6380 &&
      aws_vpc_security_group_ingress_rule.cache_reader_from_lambda[0].to_port == 6380 &&
      aws_vpc_security_group_ingress_rule.cache_reader_from_lambda[0].referenced_security_group_id == aws_security_group.lambda.id &&
      aws_vpc_security_group_egress_rule.lambda_to_cache_reader[0].from_port == 6380 &&
      aws_vpc_security_group_egress_rule.lambda_to_cache_reader[0].referenced_security_group_id == aws_security_group.cache.id
    )
    error_message = "A serverless cache must be reachable from the functions on 6379 and 6380, from their security group only."
  }
}

run "cache_reachable_from_functions_on_the_redis_port_only" {
  command = apply

  variables {
    redis_port = 6380
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.cache_from_lambda.security_group_id == aws_security_group.cache.id &&
      aws_vpc_security_group_ingress_rule.cache_from_lambda.referenced_security_group_id == aws_security_group.lambda.id &&
      aws_vpc_security_group_ingress_rule.cache_from_lambda.ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.cache_from_lambda.from_port == 6380 &&
      aws_vpc_security_group_ingress_rule.cache_from_lambda.to_port == 6380 &&
      aws_vpc_security_group_ingress_rule.cache_from_lambda.cidr_ipv4 == null
    )
    error_message = "The cache may accept only TCP on the Redis port from the function security group."
  }
  assert {
    condition = (
      aws_vpc_security_group_egress_rule.lambda_to_cache.referenced_security_group_id == aws_security_group.cache.id &&
      aws_vpc_security_group_egress_rule.lambda_to_cache.from_port == 6380 &&
      aws_vpc_security_group_egress_rule.lambda_to_cache.to_port == 6380
    )
    error_message = "Functions may reach the cache on the Redis port only."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.cache_reader_from_lambda) == 0 && length(aws_vpc_security_group_egress_rule.lambda_to_cache_reader) == 0
    error_message = "Without a reader port only the Redis port is open."
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.lambda_to_dynamodb.prefix_list_id == "pl-6da54004" && aws_vpc_security_group_egress_rule.lambda_to_dynamodb.from_port == 443
    error_message = "Functions reach DynamoDB through its prefix list on 443."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_from_lambda[0].referenced_security_group_id == aws_security_group.lambda.id && aws_vpc_security_group_ingress_rule.endpoints_from_lambda[0].from_port == 443
    error_message = "Interface endpoints accept HTTPS from the functions only."
  }
}

run "nat_gateway_is_opt_in" {
  command = apply

  variables {
    vpc = { enable_nat_gateway = true, az_count = 3 }
  }

  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_nat_gateway.this) == 1
    error_message = "Expected three private subnets and a single NAT gateway."
  }
  assert {
    condition     = aws_route.private_nat[0].destination_cidr_block == "0.0.0.0/0" && aws_route.private_nat[0].nat_gateway_id == aws_nat_gateway.this[0].id
    error_message = "Private subnets must route to the NAT gateway."
  }
  assert {
    condition     = keys(aws_vpc_security_group_egress_rule.lambda_https) == ["0.0.0.0/0"] && aws_vpc_security_group_egress_rule.lambda_https["0.0.0.0/0"].from_port == 443
    error_message = "With a NAT gateway the functions get HTTPS egress only."
  }
  assert {
    condition     = !contains(aws_subnet.private[*].cidr_block, aws_subnet.public[0].cidr_block)
    error_message = "The public subnet must not overlap the private ones."
  }
}

run "reuses_an_existing_vpc" {
  command = apply

  variables {
    existing = {
      vpc_id          = "vpc-0123456789abcdef0"
      subnet_ids      = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
      route_table_ids = ["rtb-0ccccccccccccccc0"]
    }
    cache_egress_cidr_blocks = ["10.99.0.0/24"]
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.private) == 0 && length(aws_flow_log.this) == 0
    error_message = "No VPC, subnet or flow log may be created for an existing VPC."
  }
  assert {
    condition     = aws_security_group.lambda.vpc_id == "vpc-0123456789abcdef0" && aws_security_group.cache.vpc_id == "vpc-0123456789abcdef0"
    error_message = "Security groups must live in the existing VPC."
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.lambda_to_external_cache["10.99.0.0/24"].from_port == 6379 && aws_vpc_security_group_egress_rule.lambda_to_external_cache["10.99.0.0/24"].to_port == 6379
    error_message = "An external cache is reachable on the Redis port only."
  }
  assert {
    condition     = output.subnet_ids == tolist(["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"])
    error_message = "The existing subnets must be passed through."
  }
  assert {
    condition     = aws_vpc_endpoint.dynamodb[0].route_table_ids == toset(["rtb-0ccccccccccccccc0"])
    error_message = "The DynamoDB endpoint must use the given route tables."
  }
}

run "rejects_a_single_zone" {
  command = plan

  variables {
    vpc = { az_count = 1 }
  }

  expect_failures = [var.vpc]
}

run "rejects_an_existing_vpc_with_one_subnet" {
  command = plan

  variables {
    existing = { vpc_id = "vpc-0123456789abcdef0", subnet_ids = ["subnet-0aaaaaaaaaaaaaaa0"] }
  }

  expect_failures = [var.existing]
}

run "excluded_zones_can_be_changed" {
  command = plan

  variables {
    vpc = { exclude_zone_ids = [] }
  }

  assert {
    condition     = length(data.aws_availability_zones.available[0].exclude_zone_ids) == 0
    error_message = "An empty vpc.exclude_zone_ids must let every zone be picked."
  }
}
