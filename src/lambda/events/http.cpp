#include "lambda/events/http.h"

#include <utility>

#include "lambda/events/json_reader.h"

namespace streamcache::lambda::events {

namespace {

using detail::ErrorSink;
using detail::ObjectReader;

template <class T>
EventResult<T> finish(ErrorSink& sink, T&& value) {
  if (sink.failed()) return unexpected(sink.error());
  return std::forward<T>(value);
}

EventError parse_error(const json::ParseError& error) {
  return EventError{"", "event is not valid JSON: " + error.message};
}

// API Gateway v1 writes null for absent maps, strings and bodies; we mirror it.
json::Value map_or_null(const StringMap& map) {
  return map.empty() ? json::Value() : detail::to_json(map);
}
json::Value map_or_null(const MultiStringMap& map) {
  return map.empty() ? json::Value() : detail::to_json(map);
}
json::Value string_or_null(const std::string& s) {
  return s.empty() ? json::Value() : json::Value(s);
}

void set_if_not_empty(json::Value& object, std::string_view key, const StringMap& map) {
  if (!map.empty()) object.set(key, detail::to_json(map));
}

EventResult<std::string> decode(const std::optional<std::string>& body, bool is_base64) {
  if (!body) return std::string();
  if (!is_base64) return *body;
  auto bytes = decode_base64(*body);
  if (!bytes) {
    return unexpected(EventError{"body",
                                 "body: isBase64Encoded is true but the body is not "
                                 "valid base64"});
  }
  return std::move(*bytes);
}

}  // namespace

// ---- HTTP API (payload format 2.0) ----

EventResult<HttpApiRequest> read_http_api_request(const json::Value& event) {
  ErrorSink sink;
  ObjectReader root(&event, "", sink, false);
  HttpApiRequest r;
  r.version = root.optional_string("version").value_or("2.0");
  if (!sink.failed() && r.version != "2.0") {
    sink.fail("version", "expected \"2.0\" (HTTP API payload format 2.0), got \"" + r.version +
                             "\"; a REST API event needs parse_rest_api_request");
  }
  r.route_key = root.string("routeKey");
  r.raw_path = root.required_string("rawPath");
  r.raw_query_string = root.string("rawQueryString");
  r.cookies = root.strings("cookies");
  r.headers = root.string_map("headers");
  r.query_string_parameters = root.string_map("queryStringParameters");
  r.path_parameters = root.string_map("pathParameters");
  r.stage_variables = root.string_map("stageVariables");
  r.body = root.optional_string("body");
  r.is_base64_encoded = root.boolean("isBase64Encoded");

  ObjectReader ctx = root.object("requestContext", false);
  auto& c = r.request_context;
  c.account_id = ctx.string("accountId");
  c.api_id = ctx.string("apiId");
  c.domain_name = ctx.string("domainName");
  c.domain_prefix = ctx.string("domainPrefix");
  c.request_id = ctx.string("requestId");
  c.route_key = ctx.string("routeKey");
  c.stage = ctx.string("stage");
  c.time = ctx.string("time");
  c.time_epoch = ctx.integer("timeEpoch");
  c.authorizer = ctx.object_value("authorizer");
  c.authentication = ctx.object_value("authentication");
  ObjectReader http = ctx.object("http", false);
  c.http.method = http.required_string("method");
  c.http.path = http.string("path");
  c.http.protocol = http.string("protocol");
  c.http.source_ip = http.string("sourceIp");
  c.http.user_agent = http.string("userAgent");
  return finish(sink, std::move(r));
}

EventResult<HttpApiRequest> parse_http_api_request(std::string_view event_json) {
  auto value = json::parse(event_json);
  if (!value) return unexpected(parse_error(value.error()));
  return read_http_api_request(*value);
}

json::Value to_json(const HttpApiRequest& r) {
  const auto& c = r.request_context;
  json::Value http = json::Object{};
  http.set("method", c.http.method);
  http.set("path", c.http.path);
  http.set("protocol", c.http.protocol);
  http.set("sourceIp", c.http.source_ip);
  http.set("userAgent", c.http.user_agent);

  json::Value ctx = json::Object{};
  ctx.set("accountId", c.account_id);
  ctx.set("apiId", c.api_id);
  if (!c.authentication.is_null()) ctx.set("authentication", c.authentication);
  if (!c.authorizer.is_null()) ctx.set("authorizer", c.authorizer);
  ctx.set("domainName", c.domain_name);
  ctx.set("domainPrefix", c.domain_prefix);
  ctx.set("http", std::move(http));
  ctx.set("requestId", c.request_id);
  ctx.set("routeKey", c.route_key);
  ctx.set("stage", c.stage);
  ctx.set("time", c.time);
  ctx.set("timeEpoch", json::Value::integer(c.time_epoch));

  json::Value out = json::Object{};
  out.set("version", r.version);
  out.set("routeKey", r.route_key);
  out.set("rawPath", r.raw_path);
  out.set("rawQueryString", r.raw_query_string);
  if (!r.cookies.empty()) out.set("cookies", detail::to_json(r.cookies));
  out.set("headers", detail::to_json(r.headers));
  set_if_not_empty(out, "queryStringParameters", r.query_string_parameters);
  set_if_not_empty(out, "pathParameters", r.path_parameters);
  out.set("requestContext", std::move(ctx));
  set_if_not_empty(out, "stageVariables", r.stage_variables);
  if (r.body) out.set("body", *r.body);
  out.set("isBase64Encoded", r.is_base64_encoded);
  return out;
}

// ---- REST API (v1 proxy) ----

EventResult<RestApiRequest> read_rest_api_request(const json::Value& event) {
  ErrorSink sink;
  ObjectReader root(&event, "", sink, false);
  RestApiRequest r;
  if (auto version = root.optional_string("version"); version && *version != "1.0") {
    sink.fail("version", "expected \"1.0\" or no version (REST API proxy event), got \"" +
                             *version + "\"; an HTTP API event needs parse_http_api_request");
  }
  r.resource = root.string("resource");
  r.path = root.required_string("path");
  r.http_method = root.required_string("httpMethod");
  r.headers = root.string_map("headers");
  r.multi_value_headers = root.multi_string_map("multiValueHeaders");
  r.query_string_parameters = root.string_map("queryStringParameters");
  r.multi_value_query_string_parameters = root.multi_string_map("multiValueQueryStringParameters");
  r.path_parameters = root.string_map("pathParameters");
  r.stage_variables = root.string_map("stageVariables");
  r.body = root.optional_string("body");
  r.is_base64_encoded = root.boolean("isBase64Encoded");

  ObjectReader ctx = root.object("requestContext");
  auto& c = r.request_context;
  c.account_id = ctx.string("accountId");
  c.api_id = ctx.string("apiId");
  c.domain_name = ctx.string("domainName");
  c.domain_prefix = ctx.string("domainPrefix");
  c.extended_request_id = ctx.string("extendedRequestId");
  c.http_method = ctx.string("httpMethod");
  c.path = ctx.string("path");
  c.protocol = ctx.string("protocol");
  c.request_id = ctx.string("requestId");
  c.request_time = ctx.string("requestTime");
  c.request_time_epoch = ctx.integer("requestTimeEpoch");
  c.resource_id = ctx.string("resourceId");
  c.resource_path = ctx.string("resourcePath");
  c.stage = ctx.string("stage");
  c.authorizer = ctx.object_value("authorizer");
  ObjectReader id = ctx.object("identity");
  auto& i = c.identity;
  i.source_ip = id.string("sourceIp");
  i.user_agent = id.string("userAgent");
  i.user_arn = id.string("userArn");
  i.user = id.string("user");
  i.caller = id.string("caller");
  i.account_id = id.string("accountId");
  i.api_key = id.string("apiKey");
  i.access_key = id.string("accessKey");
  i.cognito_identity_id = id.string("cognitoIdentityId");
  i.cognito_identity_pool_id = id.string("cognitoIdentityPoolId");
  i.cognito_authentication_type = id.string("cognitoAuthenticationType");
  i.cognito_authentication_provider = id.string("cognitoAuthenticationProvider");
  return finish(sink, std::move(r));
}

EventResult<RestApiRequest> parse_rest_api_request(std::string_view event_json) {
  auto value = json::parse(event_json);
  if (!value) return unexpected(parse_error(value.error()));
  return read_rest_api_request(*value);
}

json::Value to_json(const RestApiRequest& r) {
  const auto& c = r.request_context;
  const auto& i = c.identity;
  json::Value identity = json::Object{};
  identity.set("accessKey", string_or_null(i.access_key));
  identity.set("accountId", string_or_null(i.account_id));
  identity.set("apiKey", string_or_null(i.api_key));
  identity.set("caller", string_or_null(i.caller));
  identity.set("cognitoAuthenticationProvider", string_or_null(i.cognito_authentication_provider));
  identity.set("cognitoAuthenticationType", string_or_null(i.cognito_authentication_type));
  identity.set("cognitoIdentityId", string_or_null(i.cognito_identity_id));
  identity.set("cognitoIdentityPoolId", string_or_null(i.cognito_identity_pool_id));
  identity.set("sourceIp", i.source_ip);
  identity.set("user", string_or_null(i.user));
  identity.set("userAgent", i.user_agent);
  identity.set("userArn", string_or_null(i.user_arn));

  json::Value ctx = json::Object{};
  ctx.set("accountId", c.account_id);
  ctx.set("apiId", c.api_id);
  if (!c.authorizer.is_null()) ctx.set("authorizer", c.authorizer);
  ctx.set("domainName", c.domain_name);
  ctx.set("domainPrefix", c.domain_prefix);
  ctx.set("extendedRequestId", string_or_null(c.extended_request_id));
  ctx.set("httpMethod", c.http_method);
  ctx.set("identity", std::move(identity));
  ctx.set("path", c.path);
  ctx.set("protocol", c.protocol);
  ctx.set("requestId", c.request_id);
  ctx.set("requestTime", c.request_time);
  ctx.set("requestTimeEpoch", json::Value::integer(c.request_time_epoch));
  ctx.set("resourceId", c.resource_id);
  ctx.set("resourcePath", c.resource_path);
  ctx.set("stage", c.stage);

  json::Value out = json::Object{};
  out.set("resource", r.resource);
  out.set("path", r.path);
  out.set("httpMethod", r.http_method);
  out.set("headers", map_or_null(r.headers));
  out.set("multiValueHeaders", map_or_null(r.multi_value_headers));
  out.set("queryStringParameters", map_or_null(r.query_string_parameters));
  out.set("multiValueQueryStringParameters", map_or_null(r.multi_value_query_string_parameters));
  out.set("pathParameters", map_or_null(r.path_parameters));
  out.set("stageVariables", map_or_null(r.stage_variables));
  out.set("requestContext", std::move(ctx));
  out.set("body", r.body ? json::Value(*r.body) : json::Value());
  out.set("isBase64Encoded", r.is_base64_encoded);
  return out;
}

EventResult<std::string> decoded_body(const HttpApiRequest& request) {
  return decode(request.body, request.is_base64_encoded);
}

EventResult<std::string> decoded_body(const RestApiRequest& request) {
  return decode(request.body, request.is_base64_encoded);
}

// ---- Response ----

EventResult<HttpResponse> read_http_response(const json::Value& response) {
  ErrorSink sink;
  ObjectReader root(&response, "", sink, false);
  HttpResponse r;
  if (auto status = root.required_integer("statusCode")) {
    if (*status < 100 || *status > 599) {
      sink.fail("statusCode",
                "expected an HTTP status between 100 and 599, got " + std::to_string(*status));
    }
    r.status_code = static_cast<int>(*status);
  }
  r.headers = root.string_map("headers");
  r.multi_value_headers = root.multi_string_map("multiValueHeaders");
  r.cookies = root.strings("cookies");
  r.body = root.string("body");
  r.is_base64_encoded = root.boolean("isBase64Encoded");
  return finish(sink, std::move(r));
}

EventResult<HttpResponse> parse_http_response(std::string_view response_json) {
  auto value = json::parse(response_json);
  if (!value) return unexpected(parse_error(value.error()));
  return read_http_response(*value);
}

json::Value to_json(const HttpResponse& r) {
  json::Value out = json::Object{};
  out.set("statusCode", json::Value::integer(r.status_code));
  set_if_not_empty(out, "headers", r.headers);
  if (!r.multi_value_headers.empty()) {
    out.set("multiValueHeaders", detail::to_json(r.multi_value_headers));
  }
  if (!r.cookies.empty()) out.set("cookies", detail::to_json(r.cookies));
  out.set("body", r.body);
  out.set("isBase64Encoded", r.is_base64_encoded);
  return out;
}

namespace {

void append_strings(std::string& out, const std::vector<std::string>& strings) {
  out += '[';
  for (std::size_t i = 0; i < strings.size(); ++i) {
    if (i > 0) out += ',';
    json::append_quoted(out, strings[i]);
  }
  out += ']';
}

}  // namespace

// Written straight out, byte for byte what serializing to_json(response) gives: every API answer
// goes through here, and the tree cost a cache-hit GET a fifth of its instructions.
std::string serialize(const HttpResponse& r) {
  std::string out;
  out.reserve(r.body.size() + r.body.size() / 8 + 128 + r.headers.size() * 48);
  out += "{\"statusCode\":";
  out += std::to_string(r.status_code);
  if (!r.headers.empty()) {
    out += ",\"headers\":{";
    bool first = true;
    for (const auto& [name, value] : r.headers) {
      if (!first) out += ',';
      first = false;
      json::append_quoted(out, name);
      out += ':';
      json::append_quoted(out, value);
    }
    out += '}';
  }
  if (!r.multi_value_headers.empty()) {
    out += ",\"multiValueHeaders\":{";
    bool first = true;
    for (const auto& [name, values] : r.multi_value_headers) {
      if (!first) out += ',';
      first = false;
      json::append_quoted(out, name);
      out += ':';
      append_strings(out, values);
    }
    out += '}';
  }
  if (!r.cookies.empty()) {
    out += ",\"cookies\":";
    append_strings(out, r.cookies);
  }
  out += ",\"body\":";
  json::append_quoted(out, r.body);
  out += r.is_base64_encoded ? ",\"isBase64Encoded\":true}" : ",\"isBase64Encoded\":false}";
  return out;
}

}  // namespace streamcache::lambda::events
