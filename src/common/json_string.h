// JSON string literals without a JSON library: the one escaper shared by the JSON serializer and
// the log lines (which sit below json/ in the layers).
#pragma once

#include <string>
#include <string_view>

namespace streamcache {

// Appends `text` as a quoted JSON string (RFC 8259): '"', '\' and control characters escaped.
// Bytes >= 0x20 pass through: callers hand in valid UTF-8.
void append_json_string(std::string& out, std::string_view text);

}  // namespace streamcache
