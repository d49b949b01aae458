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
}

variables {
  name = "sc-test"
  function = {
    name       = "sc-test-api"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:sc-test-api/invocations"
  }
}

run "routes_the_items_api_to_the_function_with_payload_2" {
  command = apply

  assert {
    condition     = keys(aws_apigatewayv2_route.this) == ["DELETE /items/{id}", "GET /items", "GET /items/{id}", "PATCH /items/{id}", "POST /items", "PUT /items/{id}"]
    error_message = "The six item routes must exist."
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

run "function_url_defaults_to_iam_auth" {
  command = plan

  variables {
    function_url = { enabled = true }
  }

  assert {
    condition     = aws_lambda_function_url.this[0].authorization_type == "AWS_IAM" && length(aws_lambda_permission.function_url) == 0
    error_message = "An enabled Function URL must require IAM auth by default and get no public permission."
  }
}

run "public_function_url_is_explicit" {
  command = plan

  variables {
    function_url = { enabled = true, authorization_type = "NONE" }
  }

  assert {
    condition     = aws_lambda_permission.function_url[0].function_url_auth_type == "NONE" && aws_lambda_permission.function_url[0].action == "lambda:InvokeFunctionUrl"
    error_message = "A public Function URL needs its own scoped permission."
  }
}

run "iam_authorization_applies_to_every_route" {
  command = plan

  variables {
    authorization_type = "AWS_IAM"
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "AWS_IAM"])
    error_message = "Every route must use the chosen authorization."
  }
}

run "function_url_only" {
  command = plan

  variables {
    create_http_api = false
    function_url    = { enabled = true, authorization_type = "NONE" }
  }

  assert {
    condition     = length(aws_apigatewayv2_api.this) == 0 && length(aws_apigatewayv2_route.this) == 0 && length(aws_lambda_permission.this) == 0
    error_message = "create_http_api = false must create no API Gateway resources and no API Gateway permission."
  }
  assert {
    condition     = length(aws_lambda_function_url.this) == 1 && output.api_id == null
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
