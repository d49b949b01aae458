// Shared pieces of the typed Lambda events: string maps, the parse error, base64 bodies.
// Events depend only on json/ (never on the runtime), so a local host can build and read them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace streamcache::lambda::events {

using StringMap = std::map<std::string, std::string, std::less<>>;
using MultiStringMap = std::map<std::string, std::vector<std::string>, std::less<>>;

// Why an event could not be read: `field` is the JSON path ("requestContext.http.method").
struct EventError {
  std::string field;
  std::string message;  // "requestContext.http.method: expected a string, got a number"
};

// parse_* functions take JSON text; read_* functions take an already parsed json::Value.
template <class T>
using EventResult = Expected<T, EventError>;

// Case-insensitive header lookup (API Gateway v1 keeps the client's case, v2 lower-cases).
std::optional<std::string_view> find_header(const StringMap& headers, std::string_view name);

// Standard base64 (RFC 4648, with padding) as API Gateway uses for binary bodies.
std::string encode_base64(std::string_view bytes);
// Nullopt on characters outside the alphabet or bad padding.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace streamcache::lambda::events
