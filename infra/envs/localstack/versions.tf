terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.73, < 6.0" # the highest floor of the modules (cache: valkey, 5.73); 6.x is untested
    }
  }
}
