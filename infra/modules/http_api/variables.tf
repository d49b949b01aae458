variable "name" {
  description = "Name of the HTTP API and prefix of its log group (lowercase letters, digits and single hyphens, at most 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name)) && length(var.name) <= 24
    error_message = "name must start with a letter, use only a-z, 0-9 and single hyphens, not end with a hyphen, and be at most 24 characters."
  }
}

variable "create_http_api" {
  description = "Create the API Gateway HTTP API. Set false to expose the function through its Function URL only (e.g. on the LocalStack Community image, which lacks API Gateway v2)."
  type        = bool
  default     = true
  nullable    = false
}

variable "function" {
  description = "The API function: its name (for the invoke permission) and invoke ARN (for the integration)."
  type = object({
    name       = string
    invoke_arn = string
  })

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function.name))
    error_message = "function.name must be a Lambda function name."
  }
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/", var.function.invoke_arn))
    error_message = "function.invoke_arn must be a Lambda invoke ARN (arn:aws:apigateway:<region>:lambda:path/...)."
  }
}

variable "routes" {
  description = "Route keys sent to the function. The default, the $default catch-all, lets the function own routing (its problem+json 404 and 405 + Allow); an explicit list such as [\"GET /items\"] makes API Gateway answer every other request itself with {\"message\":\"Not Found\"}."
  type        = list(string)
  default     = ["$default"]
  nullable    = false

  validation {
    condition     = length(var.routes) > 0 && alltrue([for r in var.routes : r == "$default" || can(regex("^(ANY|GET|HEAD|OPTIONS|PATCH|POST|PUT|DELETE) /[^\\s]*$", r))])
    error_message = "routes must be \"$default\" or route keys such as \"GET /items/{id}\" (an HTTP method or ANY, a space, a path starting with /)."
  }
  validation {
    condition     = length(distinct(var.routes)) == length(var.routes)
    error_message = "routes must not repeat a route key."
  }
}

variable "authorization" {
  description = <<-EOT
    Who may call the API, on every route. AWS_IAM (default): SigV4-signed requests from principals
    allowed execute-api:Invoke on this API. JWT: an API Gateway JWT authorizer checks the
    Authorization header against jwt.issuer (the tokens' exact iss claim, an https URL serving
    /.well-known/openid-configuration) and jwt.audiences (the token's aud, or client_id when it has
    no aud, must be one of them), and optionally jwt.scopes (the token needs one of them). NONE:
    public; anyone on the internet can list, overwrite and delete items.
  EOT
  type = object({
    type = optional(string, "AWS_IAM")
    jwt = optional(object({
      issuer    = optional(string)
      audiences = optional(list(string), [])
      scopes    = optional(list(string), [])
    }))
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["AWS_IAM", "JWT", "NONE"], var.authorization.type)
    error_message = "authorization.type must be AWS_IAM, JWT or NONE."
  }
  validation {
    condition     = (var.authorization.type == "JWT") == (var.authorization.jwt != null)
    error_message = "authorization.jwt = { issuer, audiences } is required when authorization.type is JWT, and only then."
  }
  validation {
    condition     = var.authorization.jwt == null || can(regex("^https://[^\\s?#]+$", var.authorization.jwt.issuer))
    error_message = "authorization.jwt.issuer must be the identity provider's https URL, exactly as in the tokens' iss claim, with no query or fragment (e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123)."
  }
  validation {
    condition     = var.authorization.jwt == null || try(length(var.authorization.jwt.audiences) > 0 && alltrue([for a in var.authorization.jwt.audiences : length(trimspace(a)) > 0]), false)
    error_message = "authorization.jwt.audiences needs at least one non-empty audience (the aud or client_id your tokens carry, e.g. a Cognito app client id)."
  }
}

variable "throttling" {
  description = "Default route throttling of the $default stage: steady requests per second and burst."
  type = object({
    rate_limit  = optional(number, 100)
    burst_limit = optional(number, 200)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.throttling.rate_limit > 0 && var.throttling.burst_limit >= 1 && floor(var.throttling.burst_limit) == var.throttling.burst_limit
    error_message = "throttling.rate_limit must be positive and throttling.burst_limit a whole number of at least 1."
  }
}

variable "integration_timeout_ms" {
  description = "How long API Gateway waits for the function, in milliseconds (50 to 30000)."
  type        = number
  default     = 30000
  nullable    = false

  validation {
    condition     = var.integration_timeout_ms >= 50 && var.integration_timeout_ms <= 30000
    error_message = "integration_timeout_ms must be from 50 to 30000."
  }
}

variable "cors" {
  description = "CORS settings of the API, or null (default) for none."
  type = object({
    allow_origins     = list(string)
    allow_methods     = optional(list(string), ["GET", "POST", "PUT", "PATCH", "DELETE"])
    allow_headers     = optional(list(string), ["content-type", "if-match", "if-none-match"])
    expose_headers    = optional(list(string), ["etag", "location", "cache-status"])
    allow_credentials = optional(bool, false)
    max_age           = optional(number, 300)
  })
  default = null

  validation {
    condition     = var.cors == null || try(length(var.cors.allow_origins) > 0 && var.cors.max_age >= 0 && var.cors.max_age <= 86400, false)
    error_message = "cors.allow_origins needs at least one origin and cors.max_age must be from 0 to 86400."
  }
}

variable "access_logs" {
  description = "Access logs of the $default stage (JSON, one line per request): retention and optional KMS key."
  type = object({
    retention_in_days = optional(number, 30)
    kms_key_arn       = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.access_logs.retention_in_days)
    error_message = "access_logs.retention_in_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
  validation {
    condition     = var.access_logs.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.access_logs.kms_key_arn))
    error_message = "access_logs.kms_key_arn must be a KMS key ARN."
  }
}

variable "detailed_metrics" {
  description = "Per-route CloudWatch metrics on the $default stage (billed as custom metrics)."
  type        = bool
  default     = false
  nullable    = false
}

variable "function_url" {
  description = "Also expose the function through a Lambda Function URL (off by default). authorization_type null follows authorization.type (AWS_IAM or NONE); Function URLs cannot check JWTs, so with JWT set it explicitly or leave the URL off. NONE makes it public and bypasses the API's throttling."
  type = object({
    enabled            = optional(bool, false)
    authorization_type = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.function_url.authorization_type == null || contains(["NONE", "AWS_IAM"], coalesce(var.function_url.authorization_type, "NONE"))
    error_message = "function_url.authorization_type must be NONE, AWS_IAM or null (follow authorization.type)."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
  nullable    = false
}
