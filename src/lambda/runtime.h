// The Lambda custom runtime: a loop over the Runtime API (version 2018-06-01) at
// $AWS_LAMBDA_RUNTIME_API that hands each invocation to a handler and posts exactly one result.
//
//   int main() {
//     return streamcache::lambda::run([](const Invocation& in) { return
//     Response::success(in.payload); });
//   }
//
// Handler exceptions become posted errors (type and message) and the loop goes on. The loop ends
// only when the Runtime API says so (HTTP 500 from /next) or cannot be reached; `run` then
// returns a non-zero exit code. Log lines go to stdout as JSON for CloudWatch's JSON log format.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "common/expected.h"
#include "common/log.h"

namespace streamcache::lambda {

// One invocation as /runtime/invocation/next delivered it.
struct Invocation {
  std::string payload;           // the event, usually JSON
  std::string request_id;        // Lambda-Runtime-Aws-Request-Id
  std::string function_arn;      // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;          // Lambda-Runtime-Trace-Id; also set as _X_AMZN_TRACE_ID
  std::string client_context;    // Lambda-Runtime-Client-Context (JSON); "" when absent
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity (JSON); "" when absent
  std::chrono::system_clock::time_point deadline;  // Lambda-Runtime-Deadline-Ms

  // Time left before Lambda stops the invocation; negative once the deadline has passed.
  [[nodiscard]] std::chrono::milliseconds remaining_time() const;
};

// An error as Lambda reports it: {"errorMessage", "errorType", "stackTrace"}.
struct ErrorInfo {
  std::string message;
  std::string type;  // e.g. "std::runtime_error" or "Runtime.ConfigInvalid"
};

// What a handler returns: a payload to post to /response, or an error to post to /error.
class Response {
 public:
  static Response success(std::string payload, std::string content_type = "application/json") {
    return Response(true, std::move(payload), std::move(content_type), {});
  }
  static Response failure(std::string message, std::string type) {
    return Response(false, {}, {}, ErrorInfo{std::move(message), std::move(type)});
  }

  [[nodiscard]] bool is_success() const { return success_; }
  [[nodiscard]] const std::string& payload() const { return payload_; }
  [[nodiscard]] std::string& payload() { return payload_; }
  [[nodiscard]] const std::string& content_type() const { return content_type_; }
  [[nodiscard]] const ErrorInfo& error() const { return error_; }

 private:
  Response(bool success, std::string payload, std::string content_type, ErrorInfo error)
      : success_(success),
        payload_(std::move(payload)),
        content_type_(std::move(content_type)),
        error_(std::move(error)) {}

  bool success_;
  std::string payload_;
  std::string content_type_;
  ErrorInfo error_;
};

using Handler = std::function<Response(const Invocation&)>;

// Runs the invocation loop; returns the process exit code when the loop has to end (non-zero).
int run(const Handler& handler);

// Initialization of a function (read settings, create clients): returns the handler, or an error
// that is posted to /runtime/init/error (a throwing init is reported the same way).
using Init = std::function<Expected<Handler, ErrorInfo>()>;

// Runs `init` once, then the loop. On init failure: posts /runtime/init/error, returns 1.
int run_with_init(const Init& init);

// ---- Logging: JSON lines on stdout (common/log.h); the runtime sets each invocation's id ----

using LogLevel = logging::Level;
using LogField = logging::Field;

inline void log(LogLevel level, std::string_view message,
                std::initializer_list<LogField> fields = {}) {
  logging::write(level, message, fields);
}
inline void log_debug(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logging::debug(message, fields);
}
inline void log_info(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logging::info(message, fields);
}
inline void log_warn(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logging::warn(message, fields);
}
inline void log_error(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logging::error(message, fields);
}

}  // namespace streamcache::lambda
