variable "endpoint" {
  description = "The one endpoint every AWS API call goes to: LocalStack's edge port by default, or e.g. a moto_server."
  type        = string
  default     = "http://localhost:4566"
  nullable    = false

  validation {
    condition     = can(regex("^https?://[^/\\s]+/?$", var.endpoint))
    error_message = "endpoint must be an http(s) URL with no path, such as http://localhost:4566."
  }
}

variable "region" {
  description = "Region name the emulator is addressed with."
  type        = string
  default     = "us-east-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be a region name such as us-east-1."
  }
}

variable "name" {
  description = "Name prefix of every resource (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string
  default     = "streamcache"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "redis_url" {
  description = "Redis the functions use, as seen from inside the Lambda containers: the compose file's redis service by default (the LocalStack Community image has no ElastiCache)."
  type        = string
  default     = "redis://redis:6379"
  nullable    = false
}

variable "function_endpoint_url" {
  description = "AWS_ENDPOINT_URL given to the functions, as seen from inside the Lambda containers; null gives none (LocalStack then injects its own)."
  type        = string
  default     = "http://localhost.localstack.cloud:4566"
}

variable "enable_http_api" {
  description = "Put the API Gateway HTTP API in front of the API function. The LocalStack Community image has no API Gateway v2 (it needs an image started with a LOCALSTACK_AUTH_TOKEN whose plan includes it), so the default is off: the function is then reached through its Function URL."
  type        = bool
  default     = false
  nullable    = false
}

variable "api_auth" {
  description = <<-EOT
    Who may call the API and the Function URL: "none" (default) or "iam", as on AWS. The LocalStack
    Community image and moto do not enforce IAM, so "iam" protects nothing there and "none" says so
    honestly; both publish on 127.0.0.1 only. Use "iam" to mirror the AWS setup, or with a LocalStack
    plan that enforces IAM (ENFORCE_IAM=1). "jwt" is AWS-only (envs/aws).
  EOT
  type        = string
  default     = "none"
  nullable    = false

  validation {
    condition     = contains(["none", "iam"], var.api_auth)
    error_message = "api_auth must be \"none\" (default) or \"iam\" here; \"jwt\" needs a public identity provider and is offered by envs/aws only."
  }
}

variable "enable_event_source_mapping" {
  description = "Create the stream → stream handler mapping. Turn it off for emulators that consume the stream themselves (moto)."
  type        = bool
  default     = true
  nullable    = false
}

variable "architecture" {
  description = "Instruction set of the functions (arm64 on Apple silicon): x86_64 deploys <dist_dir>/*.zip, arm64 deploys <dist_dir>/arm64/*.zip (`./dev package --arch arm64`)."
  type        = string
  default     = "x86_64"
  nullable    = false

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of both functions."
  type        = string
  default     = "debug"
  nullable    = false
}

variable "enable_observability" {
  description = "Create the alarms and the dashboard (CloudWatch is in the LocalStack Community image)."
  type        = bool
  default     = true
  nullable    = false
}

variable "dist_dir" {
  description = "Directory holding the x86_64 api.zip and stream-handler.zip, and the arm64 ones in its arm64/ subdirectory; null means build/dist at the repository root (what `./dev package [--arch arm64]` writes)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
