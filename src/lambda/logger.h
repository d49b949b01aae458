// Internal: the runtime's view of the process logger (common/log.h), under the names the runtime
// and its tests use.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.h"
#include "lambda/runtime.h"

namespace streamcache::lambda::detail {

using Logger = logging::Logger;
using logging::process_logger;

inline std::optional<LogLevel> parse_log_level(std::string_view text) {
  return logging::parse_level(text);
}
inline std::string_view to_string(LogLevel level) {
  return logging::to_string(level);
}
inline std::string format_log_line(LogLevel level, std::string_view message,
                                   std::string_view request_id,
                                   std::initializer_list<LogField> fields,
                                   std::chrono::system_clock::time_point now) {
  return logging::format_line(level, message, request_id, fields, now);
}

}  // namespace streamcache::lambda::detail
