#include "lambda/runtime_api.h"

#include <charconv>
#include <cstdlib>
#include <exception>
#include <memory>
#include <thread>
#include <typeinfo>

#include <cxxabi.h>

#include "common/utf8.h"
#include "json/json.h"

namespace streamcache::lambda {

std::chrono::milliseconds Invocation::remaining_time() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::system_clock::now());
}

namespace detail {

namespace {

constexpr std::string_view kUserAgent = "streamcache-lambda-runtime/0.1";

// Request ids are UUIDs, but the path must stay a path whatever the service sends.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// Header values must not carry line breaks or other control characters.
std::string header_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back((c < 0x20 || c == 0x7F) ? ' ' : ch);
  }
  return out;
}

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
  return (status == 0 && name) ? std::string(name.get()) : std::string(mangled);
}

std::string invocation_target(std::string_view request_id, std::string_view what) {
  std::string target(kApiPrefix);
  target += "/runtime/invocation/";
  target += percent_encode(request_id);
  target += what;
  return target;
}

ApiError transport_error(std::string_view what, const http::Error& error) {
  return ApiError{
      0,
      std::string(what) + ": " + std::string(http::to_string(error.kind)) + ": " + error.message,
      {}};
}

}  // namespace

Expected<RuntimeOptions, ErrorInfo> read_runtime_options(const EnvLookup& env) {
  RuntimeOptions options;
  auto endpoint = non_empty(env, "AWS_LAMBDA_RUNTIME_API");
  if (!endpoint) {
    return unexpected(ErrorInfo{
        "AWS_LAMBDA_RUNTIME_API is not set: run this bootstrap in Lambda or under a Runtime API "
        "emulator that sets it to host:port",
        "Runtime.ConfigInvalid"});
  }
  options.endpoint = *endpoint;
  for (const char* name : {"LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"}) {
    if (auto text = non_empty(env, name)) {
      auto level = parse_log_level(*text);
      if (!level) {
        return unexpected(ErrorInfo{
            std::string(name) + " is '" + *text + "': use one of DEBUG, INFO, WARN, ERROR",
            "Runtime.ConfigInvalid"});
      }
      options.log_level = *level;
      break;
    }
  }
  return options;
}

Expected<http::Url, std::string> runtime_api_url(std::string_view endpoint) {
  if (endpoint.find("://") != std::string_view::npos ||
      endpoint.find('/') != std::string_view::npos) {
    return unexpected("AWS_LAMBDA_RUNTIME_API is '" + std::string(endpoint) +
                      "': expected host:port without scheme or path");
  }
  return http::parse_url("http://" + std::string(endpoint));
}

Expected<Invocation, ApiError> parse_invocation(http::Response&& response) {
  Invocation invocation;
  const auto header = [&](std::string_view name) {
    return std::string(response.header(name).value_or(std::string_view()));
  };
  invocation.request_id = header(kRequestIdHeader);
  if (invocation.request_id.empty()) {
    return unexpected(ApiError{
        response.status, "/next response has no " + std::string(kRequestIdHeader) + " header", {}});
  }
  const std::string deadline = header(kDeadlineHeader);
  std::int64_t deadline_ms = 0;
  auto [end, ec] = std::from_chars(deadline.data(), deadline.data() + deadline.size(), deadline_ms);
  if (deadline.empty() || ec != std::errc() || end != deadline.data() + deadline.size()) {
    return unexpected(ApiError{
        response.status,
        "invocation has an invalid " + std::string(kDeadlineHeader) + " header: '" + deadline + "'",
        invocation.request_id});
  }
  invocation.deadline =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline_ms));
  invocation.function_arn = header(kFunctionArnHeader);
  invocation.trace_id = header(kTraceIdHeader);
  invocation.client_context = header(kClientContextHeader);
  invocation.cognito_identity = header(kCognitoIdentityHeader);
  invocation.payload = std::move(response.body);
  return invocation;
}

std::string error_body(const ErrorInfo& error) {
  std::string body = "{\"errorMessage\":";
  json::append_quoted(body, to_valid_utf8(error.message));
  body += ",\"errorType\":";
  json::append_quoted(body, to_valid_utf8(error.type));
  body += ",\"stackTrace\":[]}";
  return body;
}

http::Request make_response_post(std::string_view request_id, Response&& response) {
  http::Request request;
  request.method = "POST";
  request.target = invocation_target(request_id, "/response");
  request.headers = {{"Content-Type", header_safe(response.content_type())},
                     {"User-Agent", std::string(kUserAgent)}};
  request.body = std::move(response.payload());
  return request;
}

namespace {

http::Request error_post(std::string target, const ErrorInfo& error) {
  http::Request request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers = {{"Content-Type", std::string(kErrorContentType)},
                     {std::string(kErrorTypeHeader), header_safe(error.type)},
                     {"User-Agent", std::string(kUserAgent)}};
  request.body = error_body(error);
  return request;
}

}  // namespace

http::Request make_error_post(std::string_view request_id, const ErrorInfo& error) {
  return error_post(invocation_target(request_id, "/error"), error);
}

http::Request make_init_error_post(const ErrorInfo& error) {
  return error_post(std::string(kApiPrefix) + "/runtime/init/error", error);
}

HttpRuntimeApi::HttpRuntimeApi(http::Url origin, std::chrono::milliseconds post_timeout)
    : connection_(std::move(origin), RuntimeConnectionOptions{}), post_timeout_(post_timeout) {}

Expected<Invocation, ApiError> HttpRuntimeApi::next() {
  http::Request request;
  request.target = std::string(kApiPrefix) + "/runtime/invocation/next";
  request.headers = {{"User-Agent", std::string(kUserAgent)}};
  // Zero: no limit, the function may stay frozen between invocations for any time.
  auto response = connection_.send(request, std::chrono::milliseconds(0));
  if (!response)
    return unexpected(transport_error("GET /runtime/invocation/next", response.error()));
  if (response->status != 200) {
    return unexpected(ApiError{response->status,
                               "GET /runtime/invocation/next returned HTTP " +
                                   std::to_string(response->status) + ": " +
                                   response->body.substr(0, 512),
                               {}});
  }
  return parse_invocation(std::move(*response));
}

Expected<void, ApiError> HttpRuntimeApi::post(const http::Request& request) {
  auto response = connection_.send(request, post_timeout_);
  if (!response) return unexpected(transport_error("POST " + request.target, response.error()));
  if (response->status < 200 || response->status > 299) {
    return unexpected(ApiError{response->status,
                               "POST " + request.target + " returned HTTP " +
                                   std::to_string(response->status) + ": " +
                                   response->body.substr(0, 512),
                               {}});
  }
  return {};
}

ErrorInfo current_exception_info() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  std::string type_name = type != nullptr ? demangle(type->name()) : "UnknownException";
  try {
    throw;
  } catch (const std::exception& e) {
    return ErrorInfo{e.what(), std::move(type_name)};
  } catch (...) {
    return ErrorInfo{"threw a value that is not a std::exception", std::move(type_name)};
  }
}

Response invoke_handler(const Handler& handler, const Invocation& invocation) {
  try {
    Response response = handler(invocation);
    if (!response.is_success() && response.error().type.empty()) {
      return Response::failure(response.error().message, "Error");
    }
    return response;
  } catch (...) {
    ErrorInfo error = current_exception_info();
    return Response::failure(std::move(error.message), std::move(error.type));
  }
}

Expected<void, ApiError> post_with_retries(RuntimeApi& api, const http::Request& request,
                                           const RuntimeOptions& options) {
  auto backoff = options.retry_backoff;
  Expected<void, ApiError> result;
  for (int attempt = 1;; ++attempt) {
    result = api.post(request);
    if (result || !result.error().retryable() || attempt >= options.post_attempts) return result;
    std::this_thread::sleep_for(backoff);  // back off before the next attempt
    backoff *= 2;
  }
}

int run_loop(RuntimeApi& api, const Handler& handler, const RuntimeOptions& options,
             Logger& logger) {
  int next_failures = 0;
  auto backoff = options.retry_backoff;
  while (true) {
    auto next = api.next();
    if (!next) {
      const ApiError& error = next.error();
      if (!error.request_id.empty()) {  // an invocation we cannot read still gets its one post
        logger.write(LogLevel::error, error.message, {{"requestId", error.request_id}});
        auto posted = post_with_retries(
            api, make_error_post(error.request_id, {error.message, "Runtime.InvalidInvocation"}),
            options);
        if (!posted)
          logger.write(LogLevel::error, "could not post the error: " + posted.error().message);
        continue;
      }
      if (error.status == 0 && ++next_failures < options.next_attempts) {
        logger.write(LogLevel::warn, error.message + "; retrying");
        std::this_thread::sleep_for(backoff);  // back off before asking again
        backoff *= 2;
        continue;
      }
      logger.write(LogLevel::error, error.message + "; the runtime exits");
      return 1;
    }
    next_failures = 0;
    backoff = options.retry_backoff;

    Invocation& invocation = *next;
    logger.set_request_id(invocation.request_id);
    if (invocation.trace_id.empty()) {
      ::unsetenv(kTraceEnvironmentVariable);
    } else {
      ::setenv(kTraceEnvironmentVariable, invocation.trace_id.c_str(), 1);
    }

    Response response = invoke_handler(handler, invocation);
    http::Request request;
    if (response.is_success()) {
      request = make_response_post(invocation.request_id, std::move(response));
    } else {
      logger.write(
          LogLevel::error, "invocation failed",
          {{"errorType", response.error().type}, {"errorMessage", response.error().message}});
      request = make_error_post(invocation.request_id, response.error());
    }
    auto posted = post_with_retries(api, request, options);
    if (!posted) {
      logger.write(LogLevel::error,
                   "could not post the invocation result: " + posted.error().message);
    }
    logger.set_request_id({});
  }
}

}  // namespace detail
}  // namespace streamcache::lambda
