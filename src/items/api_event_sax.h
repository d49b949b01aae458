// The API function's events read on the hot path: an HTTP API 2.0 (or Function URL) event in one
// SAX pass, without a JSON tree, checked against the same rules as the tree reader
// (lambda/events/http.h). It declines (nullopt) whenever the tree reader has to decide: REST v1
// events and any event the tree reader would refuse, so both accept exactly the same events and
// every error message still comes from one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "items/http.h"

namespace streamcache::items::detail {

std::optional<ApiRequest> read_http_api_event_sax(std::string_view event_json);

// What both readers do with a 2.0 event's parts: the stage taken off the path, header names
// lower-cased.
ApiRequest http_api_request(std::string method, std::string path, std::string_view stage,
                            const lambda::events::StringMap& headers,
                            lambda::events::StringMap query, std::string body);

}  // namespace streamcache::items::detail
