mock_provider "aws" {
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/http-api/sc-test/access" }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "abc123"
      api_endpoint  = "https://abc123.execute-api.eu-west-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:abc123"
    }
  }
  mock_resource "aws_apigatewayv2_stage" {
    defaults = { execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default" }
  }
  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = { id = "jwt123" }
  }
}

variables {
  name = "sc-test"
  function = {
    name       = "sc-test-api"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:sc-test-api/invocations"
  }
}

run "every_request_reaches_the_function_with_payload_2" {
  command = apply

  assert {
    condition     = keys(aws_apigatewayv2_route.this) == ["$default"] && output.routes == tolist(["$default"])
    error_message = "The default must be the one $default route, so that the function answers 404 and 405 itself."
  }
  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.target == "integrations/${aws_apigatewayv2_integration.this[0].id}"])
    error_message = "Every route must target the function integration."
  }
  assert {
    condition = (
      aws_apigatewayv2_api.this[0].protocol_type == "HTTP" &&
      aws_apigatewayv2_integration.this[0].integration_type == "AWS_PROXY" &&
      aws_apigatewayv2_integration.this[0].payload_format_version == "2.0" &&
      aws_apigatewayv2_integration.this[0].integration_uri == var.function.invoke_arn
    )
    error_message = "The integration must be a Lambda proxy with payload format 2.0."
  }
}

run "explicit_routes_are_still_possible" {
  command = plan

  variables {
    routes = ["GET /items", "GET /items/{id}"]
  }

  assert {
    condition     = keys(aws_apigatewayv2_route.this) == ["GET /items", "GET /items/{id}"]
    error_message = "An explicit routes list must create exactly those routes."
  }
}

run "default_stage_logs_and_throttles" {
  command = apply

  assert {
    condition     = aws_apigatewayv2_stage.this[0].name == "$default" && aws_apigatewayv2_stage.this[0].auto_deploy
    error_message = "A $default stage with auto deploy is expected."
  }
  assert {
    condition     = aws_apigatewayv2_stage.this[0].access_log_settings[0].destination_arn == aws_cloudwatch_log_group.this[0].arn && can(jsondecode(aws_apigatewayv2_stage.this[0].access_log_settings[0].format).requestId)
    error_message = "Access logs must go, as JSON, to the module's log group."
  }
  assert {
    condition     = aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_rate_limit == 100 && aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_burst_limit == 200
    error_message = "Default throttling must be set."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this[0].retention_in_days == 30
    error_message = "Access logs must expire."
  }
}

run "only_this_api_may_invoke_the_function" {
  command = apply

  assert {
    condition = (
      aws_lambda_permission.this[0].principal == "apigateway.amazonaws.com" &&
      aws_lambda_permission.this[0].action == "lambda:InvokeFunction" &&
      aws_lambda_permission.this[0].function_name == "sc-test-api" &&
      aws_lambda_permission.this[0].source_arn == "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/*"
    )
    error_message = "Only this API's $default stage may invoke the function."
  }
  assert {
    condition     = length(aws_lambda_function_url.this) == 0 && output.function_url == null
    error_message = "No Function URL unless enabled."
  }
  assert {
    condition     = output.api_endpoint == "https://abc123.execute-api.eu-west-1.amazonaws.com"
    error_message = "The API endpoint must be an output."
  }
}

run "iam_is_the_default_on_routes_and_function_url" {
  command = apply

  variables {
    function_url = { enabled = true }
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "AWS_IAM" && r.authorizer_id == null]) && output.authorization_type == "AWS_IAM"
    error_message = "By default every route must require SigV4 (AWS_IAM), with no authorizer."
  }
  assert {
    condition     = length(aws_apigatewayv2_authorizer.this) == 0 && output.authorizer_id == null
    error_message = "IAM authorization needs no authorizer."
  }
  assert {
    condition     = aws_lambda_function_url.this[0].authorization_type == "AWS_IAM" && length(aws_lambda_permission.function_url) == 0
    error_message = "The Function URL must follow the API's IAM auth and get no public permission."
  }
  assert {
    condition     = output.invoke_policy_resource == "arn:aws:execute-api:eu-west-1:123456789012:abc123/*"
    error_message = "Callers need the execute-api:Invoke resource of the API as an output."
  }
}

run "jwt_authorizer_guards_every_route" {
  command = apply

  variables {
    authorization = {
      type = "JWT"
      jwt  = { issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", audiences = ["client-a", "client-b"], scopes = ["items/write"] }
    }
  }

  assert {
    condition = (
      aws_apigatewayv2_authorizer.this[0].authorizer_type == "JWT" &&
      aws_apigatewayv2_authorizer.this[0].identity_sources == toset(["$request.header.Authorization"]) &&
      aws_apigatewayv2_authorizer.this[0].jwt_configuration[0].issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123" &&
      aws_apigatewayv2_authorizer.this[0].jwt_configuration[0].audience == toset(["client-a", "client-b"]) &&
      aws_apigatewayv2_authorizer.this[0].api_id == aws_apigatewayv2_api.this[0].id
    )
    error_message = "A JWT authorizer must read the Authorization header and check the issuer and audiences."
  }
  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "JWT" && r.authorizer_id == "jwt123" && r.authorization_scopes == toset(["items/write"])])
    error_message = "Every route must use the JWT authorizer, with the scopes."
  }
  assert {
    condition     = length(aws_lambda_function_url.this) == 0 && output.authorizer_id == "jwt123"
    error_message = "No Function URL unless enabled; the authorizer id is an output."
  }
}

run "jwt_refuses_a_function_url_that_would_skip_it" {
  command = plan

  variables {
    authorization = { type = "JWT", jwt = { issuer = "https://issuer.example.com", audiences = ["api"] } }
    function_url  = { enabled = true }
  }

  expect_failures = [aws_lambda_function_url.this]
}

run "jwt_with_an_explicit_iam_function_url" {
  command = plan

  variables {
    authorization = { type = "JWT", jwt = { issuer = "https://issuer.example.com", audiences = ["api"] } }
    function_url  = { enabled = true, authorization_type = "AWS_IAM" }
  }

  assert {
    condition     = aws_lambda_function_url.this[0].authorization_type == "AWS_IAM" && length(aws_lambda_permission.function_url) == 0
    error_message = "An explicit Function URL auth type must win over the API's."
  }
}

run "none_is_public_on_routes_and_function_url" {
  command = plan

  variables {
    authorization = { type = "NONE" }
    function_url  = { enabled = true }
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "NONE" && r.authorizer_id == null]) && length(aws_apigatewayv2_authorizer.this) == 0
    error_message = "NONE must leave every route public, with no authorizer."
  }
  assert {
    condition = (
      aws_lambda_function_url.this[0].authorization_type == "NONE" &&
      aws_lambda_permission.function_url[0].function_url_auth_type == "NONE" &&
      aws_lambda_permission.function_url[0].action == "lambda:InvokeFunctionUrl" &&
      aws_lambda_permission.function_url[0].principal == "*"
    )
    error_message = "A public Function URL needs its own scoped public permission."
  }
}

run "function_url_only" {
  command = plan

  variables {
    create_http_api = false
    function_url    = { enabled = true, authorization_type = "NONE" }
  }

  assert {
    condition     = length(aws_apigatewayv2_api.this) == 0 && length(aws_apigatewayv2_route.this) == 0 && length(aws_lambda_permission.this) == 0 && length(aws_apigatewayv2_authorizer.this) == 0
    error_message = "create_http_api = false must create no API Gateway resources and no API Gateway permission."
  }
  assert {
    condition     = length(aws_lambda_function_url.this) == 1 && output.api_id == null && output.invoke_policy_resource == null
    error_message = "The Function URL must still be created."
  }
}

run "rejects_a_malformed_route" {
  command = plan

  variables {
    routes = ["FETCH /items"]
  }

  expect_failures = [var.routes]
}

run "rejects_a_repeated_route" {
  command = plan

  variables {
    routes = ["$default", "$default"]
  }

  expect_failures = [var.routes]
}

run "rejects_an_unknown_authorization_type" {
  command = plan

  variables {
    authorization = { type = "COGNITO" }
  }

  expect_failures = [var.authorization]
}

run "rejects_jwt_without_its_settings" {
  command = plan

  variables {
    authorization = { type = "JWT" }
  }

  expect_failures = [var.authorization]
}

run "rejects_jwt_settings_without_jwt" {
  command = plan

  variables {
    authorization = { type = "AWS_IAM", jwt = { issuer = "https://issuer.example.com", audiences = ["api"] } }
  }

  expect_failures = [var.authorization]
}

run "rejects_jwt_without_issuer" {
  command = plan

  variables {
    authorization = { type = "JWT", jwt = { audiences = ["api"] } }
  }

  expect_failures = [var.authorization]
}

run "rejects_a_plain_http_issuer" {
  command = plan

  variables {
    authorization = { type = "JWT", jwt = { issuer = "http://issuer.example.com", audiences = ["api"] } }
  }

  expect_failures = [var.authorization]
}

run "rejects_jwt_without_audiences" {
  command = plan

  variables {
    authorization = { type = "JWT", jwt = { issuer = "https://issuer.example.com" } }
  }

  expect_failures = [var.authorization]
}
