terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.73, < 6.0" # the highest floor of the modules (cache: valkey, 5.73); 6.x is untested
    }
  }

  # State stays local (terraform.tfstate here, git-ignored) unless you add a backend_override.tf,
  # for example an S3 backend: see docs/deploy.md.
}
