// The HTTP shape of the items API, apart from the item operations: requests read from API Gateway
// v2 / v1 / Function URL events, header and media-type helpers, problem+json (RFC 9457) answers,
// list cursors. No storage, no cache.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "json/json.h"
#include "lambda/events/http.h"

namespace streamcache::items {

// One HTTP request, whatever event format carried it. Header names are lower-case.
struct ApiRequest {
  std::string method;
  std::string path;
  lambda::events::StringMap headers;
  lambda::events::StringMap query;
  std::string body;  // decoded bytes
  bool operator==(const ApiRequest&) const = default;
};

// Reads an HTTP API 2.0 / Function URL or REST v1 event; the error says what was wrong.
Expected<ApiRequest, std::string> api_request_from_event(std::string_view event_json);
// The same through a JSON tree only: what api_request_from_event falls back to (and its tests'
// reference).
Expected<ApiRequest, std::string> api_request_from_event_tree(std::string_view event_json);

// The header's value, or nullptr (names are lower-case).
const std::string* header(const ApiRequest& request, std::string_view name);
// A problem+json response (RFC 9457).
lambda::events::HttpResponse problem(int status, std::string_view detail);
lambda::events::HttpResponse json_response(int status, std::string body);
// The body of a write as a JSON object, its Content-Type checked (415) and parsed (400).
Expected<json::Value, lambda::events::HttpResponse> parse_body(const ApiRequest& request,
                                                               bool merge_patch);
// "%41b" -> "Ab"; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// "1712345678" <-> base64url cursor.
std::string encode_cursor(std::string_view last_id);
std::optional<std::string> decode_cursor(std::string_view cursor);

}  // namespace streamcache::items
