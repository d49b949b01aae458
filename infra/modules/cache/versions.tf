terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.73, < 6.0" # engine "valkey" on aws_elasticache_replication_group (5.73)
    }
  }
}
