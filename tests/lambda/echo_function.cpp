// A tiny function for the runtime's tests and the cold-start bench, packaged as echo.zip (never
// shipped). It echoes its payload, unless the payload is {"action": ...}:
//   "context"  the invocation's context as JSON, plus the _X_AMZN_TRACE_ID it sees
//   "throw"    throws std::runtime_error(message);  "throw_int": throws 42
//   "fail"     returns Response::failure(message, "EchoFailure")
//   "log"      writes a DEBUG, an INFO and a WARN line, then echoes
// ECHO_INIT=fail makes init return an error; ECHO_INIT=throw makes it throw.
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "json/json.h"
#include "lambda/runtime.h"

namespace {

using streamcache::Expected;
using streamcache::unexpected;
namespace json = streamcache::json;
namespace lambda = streamcache::lambda;

lambda::Response context_of(const lambda::Invocation& in) {
  json::Value out = json::Object{};
  out.set("requestId", in.request_id);
  out.set("functionArn", in.function_arn);
  out.set("traceId", in.trace_id);
  const char* trace_env = std::getenv("_X_AMZN_TRACE_ID");
  out.set("traceEnv", trace_env != nullptr ? json::Value(trace_env) : json::Value());
  const auto deadline =
      std::chrono::duration_cast<std::chrono::milliseconds>(in.deadline.time_since_epoch());
  out.set("deadlineMs", json::Value::integer(deadline.count()));
  out.set("remainingMs", json::Value::integer(in.remaining_time().count()));
  out.set("clientContext", in.client_context);
  out.set("cognitoIdentity", in.cognito_identity);
  return lambda::Response::success(json::serialize(out));
}

lambda::Response handle(const lambda::Invocation& in) {
  auto event = json::parse(in.payload);
  if (!event || !event->is_object()) return lambda::Response::success(in.payload);
  const std::string action(event->get_string("action").value_or(""));
  const std::string message(event->get_string("message").value_or("echo was asked to fail"));
  if (action == "context") return context_of(in);
  if (action == "throw") throw std::runtime_error(message);
  if (action == "throw_int") throw 42;
  if (action == "fail") return lambda::Response::failure(message, "EchoFailure");
  if (action == "log") {
    lambda::log_debug("debug line");
    lambda::log_info("info line", {{"detail", "some value"}});
    lambda::log_warn("warn line");
  }
  return lambda::Response::success(in.payload);
}

}  // namespace

int main() {
  return lambda::run_with_init([]() -> Expected<lambda::Handler, lambda::ErrorInfo> {
    const char* mode = std::getenv("ECHO_INIT");
    const std::string init_mode = mode != nullptr ? mode : "";
    if (init_mode == "fail") {
      return unexpected(lambda::ErrorInfo{"ECHO_INIT asks init to fail", "EchoInitError"});
    }
    if (init_mode == "throw") throw std::invalid_argument("ECHO_INIT asks init to throw");
    return lambda::Handler(handle);
  });
}
