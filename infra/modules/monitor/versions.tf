terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0" # logging_config on aws_lambda_function (5.27); the floor shared with the functions module
    }
  }
}
