// Internal: JSON log lines for CloudWatch's JSON log format. Formatting is a pure function; the
// Logger writes each line with one write(2) so lines from concurrent writers never interleave.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "lambda/runtime.h"

namespace streamcache::lambda::detail {

// Accepts Lambda's names case-insensitively: TRACE (as DEBUG), DEBUG, INFO, WARN, WARNING, ERROR,
// FATAL (as ERROR). Nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view to_string(LogLevel level);  // "DEBUG", "INFO", "WARN", "ERROR"

// One line, newline-terminated:
// {"timestamp":"...Z","level":"INFO","message":"...","requestId":"..."[,"name":"value"...]}
// requestId is left out when empty.
std::string format_log_line(LogLevel level, std::string_view message, std::string_view request_id,
                            std::initializer_list<LogField> fields,
                            std::chrono::system_clock::time_point now);

class Logger {
 public:
  explicit Logger(LogLevel min_level = LogLevel::info, int fd = 1)
      : min_level_(min_level), fd_(fd) {}

  [[nodiscard]] bool enabled(LogLevel level) const { return level >= min_level_; }
  void set_min_level(LogLevel level) { min_level_ = level; }
  // The invocation being served ("" between invocations and during init).
  void set_request_id(std::string request_id) { request_id_ = std::move(request_id); }
  void write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

 private:
  LogLevel min_level_;
  int fd_;
  std::string request_id_;
};

// The process's logger (part of the per-process runtime state): stdout, level from $LOG_LEVEL
// or $AWS_LAMBDA_LOG_LEVEL at first use, INFO when unset or invalid.
Logger& process_logger();

}  // namespace streamcache::lambda::detail
