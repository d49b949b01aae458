// API Gateway HTTP API route selection: route keys such as "GET /items/{id}", "ANY /{proxy+}" and
// "$default", matched the way API Gateway does (most specific path first, then method over ANY).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "lambda/events/common.h"

namespace streamcache::local {

struct RouteMatch {
  std::string route_key;
  lambda::events::StringMap path_parameters;  // percent-decoded values
};

class RouteTable {
 public:
  // Rejects keys that are not "METHOD /path" or "$default", and bad {variables}.
  static Expected<RouteTable, std::string> build(const std::vector<std::string>& route_keys);

  // The best route for a request, or nullopt (API Gateway answers 404). `path` is the raw,
  // percent-encoded path without the query string.
  [[nodiscard]] std::optional<RouteMatch> match(std::string_view method,
                                                std::string_view path) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the variable name
    bool variable = false;
    bool greedy = false;  // {name+}: matches the rest of the path (one or more segments)
  };
  struct Route {
    std::string key;
    std::string method;  // "ANY" matches every method
    std::vector<Segment> segments;
    bool is_default = false;
  };
  std::vector<Route> routes_;
};

// Percent-decoding ("%2F" → "/"); invalid escapes are kept as written.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace streamcache::local
