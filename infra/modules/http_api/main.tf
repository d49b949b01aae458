resource "aws_apigatewayv2_api" "this" {
  count = var.create_http_api ? 1 : 0

  name          = var.name
  description   = "streamcache items API"
  protocol_type = "HTTP"

  dynamic "cors_configuration" {
    for_each = var.cors == null ? [] : [var.cors]

    content {
      allow_origins     = cors_configuration.value.allow_origins
      allow_methods     = cors_configuration.value.allow_methods
      allow_headers     = cors_configuration.value.allow_headers
      expose_headers    = cors_configuration.value.expose_headers
      allow_credentials = cors_configuration.value.allow_credentials
      max_age           = cors_configuration.value.max_age
    }
  }

  tags = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  count = var.create_http_api ? 1 : 0

  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.function.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_ms
}

locals {
  # Validation allows jwt only with type JWT, so scopes are empty otherwise.
  jwt_scopes = try(var.authorization.jwt.scopes, [])
}

# Validates bearer tokens at the gateway, so requests with a bad or missing token never reach the function.
resource "aws_apigatewayv2_authorizer" "this" {
  count = var.create_http_api && var.authorization.type == "JWT" ? 1 : 0

  api_id           = aws_apigatewayv2_api.this[0].id
  name             = "${var.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.authorization.jwt.issuer
    audience = var.authorization.jwt.audiences
  }
}

resource "aws_apigatewayv2_route" "this" {
  for_each = var.create_http_api ? toset(var.routes) : toset([])

  api_id               = aws_apigatewayv2_api.this[0].id
  route_key            = each.value
  target               = "integrations/${aws_apigatewayv2_integration.this[0].id}"
  authorization_type   = var.authorization.type
  authorizer_id        = try(aws_apigatewayv2_authorizer.this[0].id, null)
  authorization_scopes = length(local.jwt_scopes) > 0 ? local.jwt_scopes : null
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create_http_api ? 1 : 0

  name              = "/aws/http-api/${var.name}/access"
  retention_in_days = var.access_logs.retention_in_days
  kms_key_id        = var.access_logs.kms_key_arn

  tags = var.tags
}

resource "aws_apigatewayv2_stage" "this" {
  count = var.create_http_api ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.this[0].arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }

  default_route_settings {
    throttling_rate_limit    = var.throttling.rate_limit
    throttling_burst_limit   = var.throttling.burst_limit
    detailed_metrics_enabled = var.detailed_metrics
  }

  tags = var.tags

  # Routes must exist before the first automatic deployment.
  depends_on = [aws_apigatewayv2_route.this]
}

# API Gateway may invoke the function through this API's $default stage only.
resource "aws_lambda_permission" "this" {
  count = var.create_http_api ? 1 : 0

  statement_id  = "AllowInvokeFromHttpApi-${var.name}"
  action        = "lambda:InvokeFunction"
  function_name = var.function.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_stage.this[0].execution_arn}/*"
}

################################################################################
# Optional Lambda Function URL
################################################################################

locals {
  # A Function URL knows only AWS_IAM and NONE; JWT has no equivalent there (see the precondition below).
  function_url_auth = coalesce(var.function_url.authorization_type, var.authorization.type)
}

resource "aws_lambda_function_url" "this" {
  count = var.function_url.enabled ? 1 : 0

  function_name      = var.function.name
  authorization_type = local.function_url_auth

  lifecycle {
    precondition {
      condition     = local.function_url_auth != "JWT"
      error_message = "A Lambda Function URL cannot check JWTs (it supports only AWS_IAM or NONE), so with authorization.type = \"JWT\" it would be a second door that skips the JWT authorizer: disable function_url, or set function_url.authorization_type explicitly."
    }
  }
}

# Only a public URL (NONE) needs a resource policy; AWS_IAM callers need identity permissions instead.
resource "aws_lambda_permission" "function_url" {
  count = var.function_url.enabled && local.function_url_auth == "NONE" ? 1 : 0

  statement_id           = "AllowPublicFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = var.function.name
  principal              = "*"
  function_url_auth_type = "NONE"
}
