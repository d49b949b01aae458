// JSON log lines for CloudWatch's JSON log format, for every layer (the domain logs without
// knowing about the Lambda runtime). One object per line on stdout:
// {"timestamp":"2024-05-01T12:00:00.123Z","level":"INFO","message":"...","requestId":"..."}
// plus any extra fields. $LOG_LEVEL (or $AWS_LAMBDA_LOG_LEVEL) sets the minimum level (default
// INFO); the request id is the current invocation's (the runtime sets it), absent during init.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace streamcache::logging {

enum class Level { debug, info, warn, error };

struct Field {
  std::string_view name;
  std::string_view value;
};

// Accepts Lambda's names case-insensitively: TRACE (as DEBUG), DEBUG, INFO, WARN, WARNING, ERROR,
// FATAL (as ERROR). Nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);
std::string_view to_string(Level level);  // "DEBUG", "INFO", "WARN", "ERROR"

// One line, newline-terminated; requestId is left out when empty. Pure: tested without I/O.
std::string format_line(Level level, std::string_view message, std::string_view request_id,
                        std::initializer_list<Field> fields,
                        std::chrono::system_clock::time_point now);

// Writes each line with one write(2), so lines from concurrent writers never interleave.
class Logger {
 public:
  explicit Logger(Level min_level = Level::info, int fd = 1) : min_level_(min_level), fd_(fd) {}

  [[nodiscard]] bool enabled(Level level) const { return level >= min_level_; }
  void set_min_level(Level level) { min_level_ = level; }
  // The invocation being served ("" between invocations and during init).
  void set_request_id(std::string request_id) { request_id_ = std::move(request_id); }
  void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

 private:
  Level min_level_;
  int fd_;
  std::string request_id_;
};

// The process's logger (per-process state, like the clients a function keeps warm): stdout, level
// from the environment at first use.
Logger& process_logger();

inline void write(Level level, std::string_view message, std::initializer_list<Field> fields = {}) {
  process_logger().write(level, message, fields);
}
inline void debug(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::debug, message, fields);
}
inline void info(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::info, message, fields);
}
inline void warn(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::warn, message, fields);
}
inline void error(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::error, message, fields);
}

}  // namespace streamcache::logging
