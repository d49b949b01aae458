#include "common/log.h"

#include <cerrno>
#include <cstdio>

#include <unistd.h>

#include "common/env.h"
#include "common/json_string.h"
#include "common/utf8.h"

namespace streamcache::logging {

namespace {

char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool iequals_upper(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (ascii_upper(text[i]) != upper[i]) return false;
  }
  return true;
}

// Civil UTC date by arithmetic: gmtime_r would read the time zone file on first use.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(now);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss time{ms - day};
  char buffer[32];
  const int n = std::snprintf(
      buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
  out.append(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

void append_member(std::string& out, std::string_view name, std::string_view value) {
  out.push_back(',');
  append_json_string(out, to_valid_utf8(name));
  out.push_back(':');
  append_json_string(out, to_valid_utf8(value));
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  if (iequals_upper(text, "TRACE") || iequals_upper(text, "DEBUG")) return Level::debug;
  if (iequals_upper(text, "INFO")) return Level::info;
  if (iequals_upper(text, "WARN") || iequals_upper(text, "WARNING")) return Level::warn;
  if (iequals_upper(text, "ERROR") || iequals_upper(text, "FATAL")) return Level::error;
  return std::nullopt;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug:
      return "DEBUG";
    case Level::info:
      return "INFO";
    case Level::warn:
      return "WARN";
    case Level::error:
      return "ERROR";
  }
  return "INFO";
}

std::string format_line(Level level, std::string_view message, std::string_view request_id,
                        std::initializer_list<Field> fields,
                        std::chrono::system_clock::time_point now) {
  std::string line;
  line.reserve(96 + message.size());
  line += "{\"timestamp\":\"";
  append_timestamp(line, now);
  line += "\",\"level\":\"";
  line += to_string(level);
  line += '"';
  append_member(line, "message", message);
  if (!request_id.empty()) append_member(line, "requestId", request_id);
  for (const auto& field : fields)
    append_member(line, field.name, field.value);
  line += "}\n";
  return line;
}

void Logger::write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const std::string line =
      format_line(level, message, request_id_, fields, std::chrono::system_clock::now());
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stdout is gone: nothing useful left to do with a log line
    done += static_cast<std::size_t>(n);
  }
}

Logger& process_logger() {
  static Logger logger = [] {
    const EnvLookup env = process_env();
    std::optional<std::string> text = non_empty(env, "LOG_LEVEL");
    if (!text) text = non_empty(env, "AWS_LAMBDA_LOG_LEVEL");
    return Logger(text ? parse_level(*text).value_or(Level::info) : Level::info);
  }();
  return logger;
}

}  // namespace streamcache::logging
