output "vpc_id" {
  description = "Id of the VPC (created or reused)."
  value       = local.vpc_id
}

output "subnet_ids" {
  description = "Private subnet ids for the functions and the cache, one per Availability Zone."
  value       = local.subnet_ids
}

output "route_table_ids" {
  description = "Route tables of the private subnets."
  value       = local.route_table_ids
}

output "availability_zones" {
  description = "Availability Zones of the private subnets created here (empty when an existing VPC is reused)."
  value       = local.availability_zones
}

output "lambda_security_group_id" {
  description = "Security group for the functions: egress to the cache port, DynamoDB and the VPC endpoints only."
  value       = aws_security_group.lambda.id
}

output "cache_security_group_id" {
  description = "Security group for the cache: ingress from the function security group on the Redis port only."
  value       = aws_security_group.cache.id
}

output "dynamodb_endpoint_id" {
  description = "Id of the DynamoDB gateway endpoint, or null when none was created."
  value       = try(aws_vpc_endpoint.dynamodb[0].id, null)
}

output "interface_endpoint_ids" {
  description = "Ids of the interface endpoints, by service name."
  value       = { for service, endpoint in aws_vpc_endpoint.interface : service => endpoint.id }
}

output "nat_gateway_id" {
  description = "Id of the NAT gateway, or null (the default) when none was created."
  value       = try(aws_nat_gateway.this[0].id, null)
}

output "flow_log_group_name" {
  description = "CloudWatch log group receiving the VPC flow logs, or null when disabled."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}
