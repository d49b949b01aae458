// API Gateway HTTP API (payload format 2.0) translation, without I/O: an HTTP request becomes the
// event a function receives, and the function's output becomes the HTTP response.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "lambda/events/http.h"
#include "local/routes.h"

namespace streamcache::local {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Lambda's synchronous invocation limit, for the request event and the response payload.
inline constexpr std::size_t kMaxPayloadBytes = 6 * 1024 * 1024;

struct GatewayRequest {  // what the gateway read off the wire
  std::string method;
  std::string target;  // path and query, as sent
  HeaderList headers;  // as sent, in order
  std::string body;
  std::string source_ip;
  int local_port = 0;
  std::string request_id;
  std::chrono::system_clock::time_point time;
  std::string account_id = "000000000000";
  std::string api_id = "local";
};

// The payload 2.0 event: lower-cased headers (repeats joined by ","), cookies split out of the
// Cookie header, decoded query parameters, routeKey and pathParameters from `route`, and a body
// base64-encoded unless it is UTF-8 text of a textual content type.
lambda::events::HttpApiRequest build_http_api_event(const GatewayRequest& request,
                                                    const RouteMatch& route);

struct GatewayResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
};

// Payload 2.0 response rules: an object with statusCode is a response; any other valid JSON is a
// 200 application/json body. Invalid JSON, a bad statusCode or bad base64 is an error (502).
Expected<GatewayResponse, std::string> response_from_function(std::string_view payload);

// API Gateway's own error answer: {"message":"..."} with the status.
GatewayResponse gateway_error(int status, std::string_view message);

// "21/Apr/2020:15:08:21 +0000", requestContext.time's format.
std::string format_request_time(std::chrono::system_clock::time_point time);

}  // namespace streamcache::local
