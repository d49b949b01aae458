// API Gateway events: HTTP API payload 2.0 (also what Lambda Function URLs send), REST API v1
// proxy events, and the HTTP response both accept. Parsing is tolerant of absent and null
// optional members and strict about types: a wrong type is an error that names the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "lambda/events/common.h"

namespace streamcache::lambda::events {

// ---- HTTP API (payload format 2.0) and Function URLs ----

struct HttpApiRequestContext {
  struct Http {
    std::string method;  // required
    std::string path;
    std::string protocol;
    std::string source_ip;
    std::string user_agent;
    bool operator==(const Http&) const = default;
  };
  std::string account_id;
  std::string api_id;
  std::string domain_name;
  std::string domain_prefix;
  std::string request_id;
  std::string route_key;
  std::string stage;
  std::string time;
  std::int64_t time_epoch = 0;  // milliseconds (SAM local sends seconds)
  Http http;
  json::Value authorizer;      // {"jwt":...}, {"iam":...} or {"lambda":...}; null when none
  json::Value authentication;  // {"clientCert":...} with mutual TLS; null otherwise
  bool operator==(const HttpApiRequestContext&) const = default;
};

struct HttpApiRequest {
  std::string version = "2.0";
  std::string route_key;
  std::string raw_path;  // required
  std::string raw_query_string;
  std::vector<std::string> cookies;
  StringMap headers;  // names lower-cased by API Gateway; repeated ones joined by ","
  StringMap query_string_parameters;  // repeated ones joined by ","
  StringMap path_parameters;
  StringMap stage_variables;
  HttpApiRequestContext request_context;
  std::optional<std::string> body;
  bool is_base64_encoded = false;
  bool operator==(const HttpApiRequest&) const = default;
};

EventResult<HttpApiRequest> read_http_api_request(const json::Value& event);
EventResult<HttpApiRequest> parse_http_api_request(std::string_view event_json);
json::Value to_json(const HttpApiRequest& request);

// ---- REST API (v1 proxy integration) ----

struct RestApiIdentity {
  std::string source_ip;
  std::string user_agent;
  std::string user_arn;
  std::string user;
  std::string caller;
  std::string account_id;
  std::string api_key;
  std::string access_key;
  std::string cognito_identity_id;
  std::string cognito_identity_pool_id;
  std::string cognito_authentication_type;
  std::string cognito_authentication_provider;
  bool operator==(const RestApiIdentity&) const = default;
};

struct RestApiRequestContext {
  std::string account_id;
  std::string api_id;
  std::string domain_name;
  std::string domain_prefix;
  std::string extended_request_id;
  std::string http_method;
  std::string path;
  std::string protocol;
  std::string request_id;
  std::string request_time;
  std::int64_t request_time_epoch = 0;
  std::string resource_id;
  std::string resource_path;
  std::string stage;
  RestApiIdentity identity;
  json::Value authorizer;  // authorizer output (any JSON members); null when none
  bool operator==(const RestApiRequestContext&) const = default;
};

struct RestApiRequest {
  std::string resource;
  std::string path;         // required
  std::string http_method;  // required
  StringMap headers;        // last value of each header
  MultiStringMap multi_value_headers;
  StringMap query_string_parameters;
  MultiStringMap multi_value_query_string_parameters;
  StringMap path_parameters;  // empty when the event has null
  StringMap stage_variables;
  RestApiRequestContext request_context;
  std::optional<std::string> body;  // nullopt when the event has null
  bool is_base64_encoded = false;
  bool operator==(const RestApiRequest&) const = default;
};

EventResult<RestApiRequest> read_rest_api_request(const json::Value& event);
EventResult<RestApiRequest> parse_rest_api_request(std::string_view event_json);
json::Value to_json(const RestApiRequest& request);

// The request body as bytes: base64-decoded when is_base64_encoded; "" when there is none.
EventResult<std::string> decoded_body(const HttpApiRequest& request);
EventResult<std::string> decoded_body(const RestApiRequest& request);

// ---- Response (both formats) ----

struct HttpResponse {
  int status_code = 200;
  StringMap headers;
  MultiStringMap multi_value_headers;  // REST API (v1) only
  std::vector<std::string> cookies;    // HTTP API (2.0) and Function URLs only
  std::string body;
  bool is_base64_encoded = false;
  bool operator==(const HttpResponse&) const = default;
};

// statusCode is required; every other member is optional.
EventResult<HttpResponse> read_http_response(const json::Value& response);
EventResult<HttpResponse> parse_http_response(std::string_view response_json);
// Empty headers, multiValueHeaders and cookies are left out.
json::Value to_json(const HttpResponse& response);
std::string serialize(const HttpResponse& response);

}  // namespace streamcache::lambda::events
