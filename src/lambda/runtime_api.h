// Internal: the Runtime API protocol (pure functions over http::Request/Response), the transport
// interface the loop talks to, and the loop itself, so both are testable without a process.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/expected.h"
#include "http/client.h"
#include "lambda/logger.h"
#include "lambda/runtime.h"
#include "lambda/runtime_connection.h"

namespace streamcache::lambda::detail {

inline constexpr std::string_view kApiPrefix = "/2018-06-01";
inline constexpr std::string_view kRequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
inline constexpr std::string_view kDeadlineHeader = "Lambda-Runtime-Deadline-Ms";
inline constexpr std::string_view kFunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
inline constexpr std::string_view kTraceIdHeader = "Lambda-Runtime-Trace-Id";
inline constexpr std::string_view kClientContextHeader = "Lambda-Runtime-Client-Context";
inline constexpr std::string_view kCognitoIdentityHeader = "Lambda-Runtime-Cognito-Identity";
inline constexpr std::string_view kErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
inline constexpr std::string_view kErrorContentType = "application/vnd.aws.lambda.error+json";
inline constexpr const char* kTraceEnvironmentVariable = "_X_AMZN_TRACE_ID";

struct RuntimeOptions {
  std::string endpoint;                            // $AWS_LAMBDA_RUNTIME_API, "host:port"
  LogLevel log_level = LogLevel::info;             // $LOG_LEVEL, else $AWS_LAMBDA_LOG_LEVEL
  int post_attempts = 4;                           // per result post, the first one included
  int next_attempts = 3;                           // /next transport failures before giving up
  std::chrono::milliseconds retry_backoff{20};     // doubled after every failed attempt
  std::chrono::milliseconds post_timeout{30'000};  // a 6 MB post on loopback takes milliseconds
};

// Reads the options once at init. Missing AWS_LAMBDA_RUNTIME_API or a bad LOG_LEVEL is an error
// whose message says what to set.
Expected<RuntimeOptions, ErrorInfo> read_runtime_options(const EnvLookup& env);

// A failed Runtime API exchange. status 0: no HTTP response (connection refused, reset, timeout).
struct ApiError {
  int status = 0;
  std::string message;
  std::string request_id;  // set when /next delivered an invocation we could not read
  [[nodiscard]] bool retryable() const { return status == 0 || status >= 500; }
};

// The transport: one keep-alive connection to the Runtime API.
class RuntimeApi {
 public:
  virtual ~RuntimeApi() = default;
  // GET /runtime/invocation/next, waiting as long as it takes.
  virtual Expected<Invocation, ApiError> next() = 0;
  // One attempt of a post built by the make_*_post functions below.
  virtual Expected<void, ApiError> post(const http::Request& request) = 0;
};

class HttpRuntimeApi final : public RuntimeApi {
 public:
  HttpRuntimeApi(http::Url origin, std::chrono::milliseconds post_timeout);
  Expected<Invocation, ApiError> next() override;
  Expected<void, ApiError> post(const http::Request& request) override;

 private:
  RuntimeConnection connection_;
  std::chrono::milliseconds post_timeout_;
};

// "http://" + endpoint, checked.
Expected<http::Url, std::string> runtime_api_url(std::string_view endpoint);

// Reads an invocation from the /next response (status 200), taking its body.
Expected<Invocation, ApiError> parse_invocation(http::Response&& response);

std::string error_body(const ErrorInfo& error);  // {"errorMessage","errorType","stackTrace":[]}
http::Request make_response_post(std::string_view request_id, Response&& response);
http::Request make_error_post(std::string_view request_id, const ErrorInfo& error);
http::Request make_init_error_post(const ErrorInfo& error);

// Inside a catch block: the exception's message and demangled type ("std::runtime_error").
ErrorInfo current_exception_info();

// Calls the handler; an exception becomes a failure carrying its (demangled) type and message.
Response invoke_handler(const Handler& handler, const Invocation& invocation);

// Posts with bounded retries on transport errors and 5xx (4xx are final). Logs nothing.
Expected<void, ApiError> post_with_retries(RuntimeApi& api, const http::Request& request,
                                           const RuntimeOptions& options);

// Serves invocations until /next fails for good; returns the exit code (non-zero).
int run_loop(RuntimeApi& api, const Handler& handler, const RuntimeOptions& options,
             Logger& logger);

}  // namespace streamcache::lambda::detail
