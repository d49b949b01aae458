variable "name" {
  description = "Name prefix for every resource of this module (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "vpc" {
  description = <<-EOT
    The VPC to create when `existing` is null: its CIDR block, how many Availability Zones get a private
    subnet (or an explicit list of zones), the zone IDs never to pick by themselves (use1-az3 by default:
    it offers no Graviton node types, so the default cache.t4g.micro fails there with
    InsufficientCacheClusterCapacity), the prefix length added to the VPC CIDR for each subnet, and
    whether to add a single NAT gateway (off by default: the functions reach DynamoDB and Secrets Manager
    through VPC endpoints, so they need no internet route).
  EOT
  type = object({
    cidr_block         = optional(string, "10.20.0.0/16")
    az_count           = optional(number, 2)
    availability_zones = optional(list(string))
    exclude_zone_ids   = optional(list(string), ["use1-az3"])
    subnet_newbits     = optional(number, 4)
    enable_nat_gateway = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(cidrnetmask(var.vpc.cidr_block))
    error_message = "vpc.cidr_block must be an IPv4 CIDR block such as 10.20.0.0/16."
  }
  validation {
    condition     = var.vpc.az_count >= 2 && var.vpc.az_count <= 6 && floor(var.vpc.az_count) == var.vpc.az_count
    error_message = "vpc.az_count must be a whole number from 2 to 6: the cache and the functions need at least two Availability Zones."
  }
  validation {
    condition     = var.vpc.availability_zones == null || (try(length(var.vpc.availability_zones), 0) >= 2 && try(length(distinct(var.vpc.availability_zones)), 0) == try(length(var.vpc.availability_zones), 0))
    error_message = "vpc.availability_zones, when set, must list at least two distinct zones."
  }
  validation {
    condition     = var.vpc.subnet_newbits >= 1 && var.vpc.subnet_newbits <= 12
    error_message = "vpc.subnet_newbits must be from 1 to 12 (a /16 VPC with 4 gives /20 subnets)."
  }
}

variable "existing" {
  description = <<-EOT
    Reuse an existing VPC instead of creating one: its id, the private subnets (at least two, one per
    Availability Zone: interface endpoints take one subnet per zone) for the functions and the cache, and
    the route tables of those subnets (for the DynamoDB gateway endpoint; leave empty if the VPC already
    has one and set endpoints.dynamodb = false). The VPC needs DNS support and hostnames enabled.
  EOT
  type = object({
    vpc_id          = string
    subnet_ids      = list(string)
    route_table_ids = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.existing == null || can(regex("^vpc-[0-9a-f]+$", var.existing.vpc_id))
    error_message = "existing.vpc_id must look like vpc-0123456789abcdef0."
  }
  validation {
    condition     = var.existing == null || try(length(var.existing.subnet_ids) >= 2 && alltrue([for s in var.existing.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))]), false)
    error_message = "existing.subnet_ids must list at least two subnet ids (subnet-...)."
  }
  validation {
    condition     = var.existing == null || try(alltrue([for r in var.existing.route_table_ids : can(regex("^rtb-[0-9a-f]+$", r))]), false)
    error_message = "existing.route_table_ids must contain only route table ids (rtb-...)."
  }
}

variable "endpoints" {
  description = <<-EOT
    VPC endpoints: a DynamoDB gateway endpoint (free) and interface endpoints (billed per AZ-hour) for
    the services the functions call without a NAT route. secretsmanager is needed to read the cache
    AUTH token; add e.g. "xray" for trace segments sent from inside the VPC.
  EOT
  type = object({
    dynamodb  = optional(bool, true)
    interface = optional(set(string), ["secretsmanager"])
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for s in var.endpoints.interface : can(regex("^[a-z][a-z0-9.-]*$", s))])
    error_message = "endpoints.interface must list service names such as secretsmanager, xray or logs."
  }
}

variable "redis_port" {
  description = "TCP port of the cache; the only port the function security group may reach on the cache security group."
  type        = number
  default     = 6379
  nullable    = false

  validation {
    condition     = var.redis_port >= 1024 && var.redis_port <= 65535 && floor(var.redis_port) == var.redis_port
    error_message = "redis_port must be a whole number from 1024 to 65535."
  }
}

variable "redis_reader_port" {
  description = "A second cache port the functions may reach, or null: ElastiCache Serverless serves reads of its reader endpoint on 6380 next to 6379."
  type        = number
  default     = null

  validation {
    condition     = var.redis_reader_port == null || try(var.redis_reader_port >= 1024 && var.redis_reader_port <= 65535 && floor(var.redis_reader_port) == var.redis_reader_port && var.redis_reader_port != var.redis_port, false)
    error_message = "redis_reader_port must be a whole number from 1024 to 65535 other than redis_port, or null."
  }
}

variable "flow_logs" {
  description = "VPC flow logs to CloudWatch Logs (rejected traffic only by default). Applies to a VPC created by this module; an existing VPC keeps its own settings."
  type = object({
    enabled           = optional(bool, true)
    traffic_type      = optional(string, "REJECT")
    retention_in_days = optional(number, 30)
    kms_key_arn       = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_logs.traffic_type)
    error_message = "flow_logs.traffic_type must be ACCEPT, REJECT or ALL."
  }
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs.retention_in_days)
    error_message = "flow_logs.retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
  validation {
    condition     = var.flow_logs.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.flow_logs.kms_key_arn))
    error_message = "flow_logs.kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "https_egress_cidr_blocks" {
  description = "Extra destinations (IPv4 CIDR blocks) the functions may reach on port 443, for example an on-premises range. 0.0.0.0/0 is added automatically when this module creates a NAT gateway."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.https_egress_cidr_blocks : can(cidrnetmask(c))])
    error_message = "https_egress_cidr_blocks must contain only IPv4 CIDR blocks."
  }
}

variable "cache_egress_cidr_blocks" {
  description = "CIDR blocks of an external cache (cache mode external) the functions may reach on redis_port; the managed cache needs none (it is reached through its security group)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.cache_egress_cidr_blocks : can(cidrnetmask(c))])
    error_message = "cache_egress_cidr_blocks must contain only IPv4 CIDR blocks."
  }
}
