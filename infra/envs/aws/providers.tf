# Credentials come from the standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/..., SSO, instance or
# task roles). The optional static key variables exist for setups that still pass them explicitly.
provider "aws" {
  region     = var.region
  access_key = var.aws_access_key
  secret_key = var.aws_secret_key
  token      = var.aws_session_token

  default_tags {
    tags = local.tags
  }
}
