terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0" # tags on aws_lambda_event_source_mapping (5.70)
    }
  }
}
