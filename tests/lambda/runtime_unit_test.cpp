// The runtime without a process or a network: protocol helpers, log lines, and the loop against a
// scripted fake of the Runtime API.
#include <array>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "json/json.h"
#include "lambda/glibc_compat.h"
#include "lambda/logger.h"
#include "lambda/runtime.h"
#include "lambda/runtime_api.h"

namespace streamcache::lambda::detail {
namespace {

using std::chrono::milliseconds;

http::Response next_response(std::int64_t deadline_ms = 1'700'000'000'123) {
  http::Response response;
  response.status = 200;
  response.headers = {
      {"Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"},
      {"lambda-runtime-deadline-ms", std::to_string(deadline_ms)},
      {"Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-2:123456789012:function:api"},
      {"Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700"},
      {"Lambda-Runtime-Client-Context", R"({"client":{"app_title":"x"}})"},
      {"Lambda-Runtime-Cognito-Identity", R"({"cognitoIdentityId":"id"})"}};
  response.body = R"({"hello":"world"})";
  return response;
}

TEST(ParseInvocation, ReadsEveryHeader) {
  auto invocation = parse_invocation(next_response());
  ASSERT_TRUE(invocation) << invocation.error().message;
  EXPECT_EQ(invocation->request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(invocation->deadline.time_since_epoch(), milliseconds(1'700'000'000'123));
  EXPECT_EQ(invocation->function_arn, "arn:aws:lambda:us-east-2:123456789012:function:api");
  EXPECT_EQ(invocation->trace_id, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700");
  EXPECT_EQ(invocation->client_context, R"({"client":{"app_title":"x"}})");
  EXPECT_EQ(invocation->cognito_identity, R"({"cognitoIdentityId":"id"})");
  EXPECT_EQ(invocation->payload, R"({"hello":"world"})");
  EXPECT_LT(invocation->remaining_time(), milliseconds(0));  // that deadline is in 2023
}

TEST(ParseInvocation, RemainingTimeFollowsTheDeadline) {
  const auto in_a_minute = std::chrono::system_clock::now() + std::chrono::minutes(1);
  Invocation invocation;
  invocation.deadline = in_a_minute;
  EXPECT_GT(invocation.remaining_time(), milliseconds(0));
  EXPECT_LE(invocation.remaining_time(), milliseconds(60'000));
}

TEST(ParseInvocation, OptionalHeadersMayBeAbsent) {
  http::Response response;
  response.status = 200;
  response.headers = {{"Lambda-Runtime-Aws-Request-Id", "r1"}, {"Lambda-Runtime-Deadline-Ms", "5"}};
  auto invocation = parse_invocation(std::move(response));
  ASSERT_TRUE(invocation);
  EXPECT_EQ(invocation->trace_id, "");
  EXPECT_EQ(invocation->client_context, "");
  EXPECT_EQ(invocation->payload, "");
}

TEST(ParseInvocation, RejectsAMissingRequestIdOrBadDeadline) {
  http::Response no_id = next_response();
  no_id.headers.erase(no_id.headers.begin());
  auto missing = parse_invocation(std::move(no_id));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().request_id.empty());

  for (const char* bad : {"", "12x", "soon", "-"}) {
    http::Response response = next_response();
    response.headers[1].value = bad;
    auto invalid = parse_invocation(std::move(response));
    ASSERT_FALSE(invalid) << bad;
    EXPECT_EQ(invalid.error().request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    EXPECT_NE(invalid.error().message.find("Lambda-Runtime-Deadline-Ms"), std::string::npos);
  }
}

TEST(Posts, ResponsePostCarriesThePayload) {
  http::Request request = make_response_post("abc-1", Response::success("{\"ok\":true}"));
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/2018-06-01/runtime/invocation/abc-1/response");
  EXPECT_EQ(http::find_header(request.headers, "content-type"),
            std::optional<std::string_view>("application/json"));
  EXPECT_EQ(request.body, "{\"ok\":true}");
  http::Request text = make_response_post("id with/slash", Response::success("hi", "text/plain"));
  EXPECT_EQ(text.target, "/2018-06-01/runtime/invocation/id%20with%2Fslash/response");
  EXPECT_EQ(http::find_header(text.headers, "Content-Type"),
            std::optional<std::string_view>("text/plain"));
}

TEST(Posts, ErrorPostsFollowTheRuntimeApiContract) {
  const ErrorInfo error{"bad \"input\"\n", "std::invalid_argument"};
  http::Request request = make_error_post("abc-1", error);
  EXPECT_EQ(request.target, "/2018-06-01/runtime/invocation/abc-1/error");
  EXPECT_EQ(http::find_header(request.headers, "Content-Type"),
            std::optional<std::string_view>("application/vnd.aws.lambda.error+json"));
  EXPECT_EQ(http::find_header(request.headers, "Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("std::invalid_argument"));
  EXPECT_EQ(
      request.body,
      R"({"errorMessage":"bad \"input\"\n","errorType":"std::invalid_argument","stackTrace":[]})");
  auto body = json::parse(request.body);
  ASSERT_TRUE(body);

  http::Request init = make_init_error_post({"no table", "Runtime.ConfigInvalid"});
  EXPECT_EQ(init.target, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(http::find_header(init.headers, "Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("Runtime.ConfigInvalid"));
}

TEST(Posts, ErrorTextIsAlwaysValidJsonAndHeaderSafe) {
  http::Request request = make_error_post("r", {"bad byte \xFF here", "Type\r\nInjected: yes"});
  EXPECT_EQ(http::find_header(request.headers, "Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("Type  Injected: yes"));
  auto body = json::parse(request.body);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->get_string("errorMessage"),
            std::optional<std::string_view>("bad byte \xEF\xBF\xBD here"));
}

TEST(Options, ReadFromTheEnvironment) {
  auto options = read_runtime_options(
      fixed_env({{"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"}, {"AWS_LAMBDA_LOG_LEVEL", "debug"}}));
  ASSERT_TRUE(options);
  EXPECT_EQ(options->endpoint, "127.0.0.1:9001");
  EXPECT_EQ(options->log_level, LogLevel::debug);

  auto explicit_level = read_runtime_options(fixed_env({{"AWS_LAMBDA_RUNTIME_API", "h:1"},
                                                        {"LOG_LEVEL", "WARN"},
                                                        {"AWS_LAMBDA_LOG_LEVEL", "DEBUG"}}));
  ASSERT_TRUE(explicit_level);
  EXPECT_EQ(explicit_level->log_level, LogLevel::warn);

  auto missing = read_runtime_options(fixed_env({}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().type, "Runtime.ConfigInvalid");
  EXPECT_NE(missing.error().message.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos);

  auto bad_level =
      read_runtime_options(fixed_env({{"AWS_LAMBDA_RUNTIME_API", "h:1"}, {"LOG_LEVEL", "loud"}}));
  ASSERT_FALSE(bad_level);
  EXPECT_EQ(bad_level.error().message, "LOG_LEVEL is 'loud': use one of DEBUG, INFO, WARN, ERROR");
}

TEST(Options, EndpointIsHostAndPort) {
  auto url = runtime_api_url("127.0.0.1:9001");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9001);
  EXPECT_FALSE(runtime_api_url("http://127.0.0.1:9001"));
  EXPECT_FALSE(runtime_api_url("127.0.0.1:9001/2018-06-01"));
  EXPECT_FALSE(runtime_api_url("127.0.0.1:notaport"));
}

// ---- Logging ----

TEST(Logging, LevelsParseLikeLambdas) {
  EXPECT_EQ(parse_log_level("trace"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("Debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("INFO"), LogLevel::info);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("FATAL"), LogLevel::error);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
}

TEST(Logging, LinesAreOneJsonObject) {
  const auto at = std::chrono::system_clock::time_point(milliseconds(1'714'564'800'042));
  EXPECT_EQ(
      format_log_line(LogLevel::warn, "cache \"down\"", "req-1", {{"errorType", "Redis"}}, at),
      "{\"timestamp\":\"2024-05-01T12:00:00.042Z\",\"level\":\"WARN\","
      "\"message\":\"cache \\\"down\\\"\",\"requestId\":\"req-1\",\"errorType\":\"Redis\"}\n");
  EXPECT_EQ(
      format_log_line(LogLevel::info, "init", "", {}, at),
      "{\"timestamp\":\"2024-05-01T12:00:00.042Z\",\"level\":\"INFO\",\"message\":\"init\"}\n");
  const std::string odd = format_log_line(LogLevel::error, "a\nb\xC3(", "", {}, at);
  auto parsed = json::parse(std::string_view(odd).substr(0, odd.size() - 1));
  ASSERT_TRUE(parsed) << odd;
  EXPECT_EQ(parsed->get_string("message"), std::optional<std::string_view>("a\nb\xEF\xBF\xBD("));
}

TEST(Logging, TimestampsAreUtcCalendarDates) {
  const auto line = [](std::int64_t epoch_ms) {
    const std::string text = format_log_line(
        LogLevel::info, "", "", {}, std::chrono::system_clock::time_point(milliseconds(epoch_ms)));
    return text.substr(14, 24);  // after {"timestamp":"
  };
  EXPECT_EQ(line(1'709'251'199'999), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(line(946'598'400'000), "1999-12-31T00:00:00.000Z");
  EXPECT_EQ(line(4'107'546'123'004), "2100-03-01T01:02:03.004Z");
  EXPECT_EQ(line(0), "1970-01-01T00:00:00.000Z");
}

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_.data(), O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2");
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  [[nodiscard]] int writer() const { return fds_[1]; }
  std::string drain() {
    std::string out;
    std::array<char, 4096> buffer{};
    ssize_t n = 0;
    while ((n = ::read(fds_[0], buffer.data(), buffer.size())) > 0) {
      out.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  std::array<int, 2> fds_{};
};

std::vector<json::Value> json_lines(const std::string& text) {
  std::vector<json::Value> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    auto value = json::parse(std::string_view(text).substr(start, end - start));
    EXPECT_TRUE(value) << text;
    if (value) lines.push_back(*value);
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return lines;
}

TEST(Logging, LoggerFiltersByLevelAndAddsTheRequestId) {
  Pipe pipe;
  Logger logger(LogLevel::info, pipe.writer());
  logger.write(LogLevel::debug, "hidden");
  logger.set_request_id("req-9");
  logger.write(LogLevel::info, "shown", {{"k", "v"}});
  logger.set_request_id({});
  logger.set_min_level(LogLevel::debug);
  logger.write(LogLevel::debug, "now shown");
  const auto lines = json_lines(pipe.drain());
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].get_string("message"), std::optional<std::string_view>("shown"));
  EXPECT_EQ(lines[0].get_string("requestId"), std::optional<std::string_view>("req-9"));
  EXPECT_EQ(lines[0].get_string("k"), std::optional<std::string_view>("v"));
  EXPECT_EQ(lines[1].get_string("level"), std::optional<std::string_view>("DEBUG"));
  EXPECT_EQ(lines[1].find("requestId"), nullptr);
}

// ---- Handler boundary ----

struct CustomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(InvokeHandler, ExceptionsBecomeFailuresWithTheirType) {
  const Invocation invocation;
  Response thrown = invoke_handler(
      [](const Invocation&) -> Response { throw std::out_of_range("index 7"); }, invocation);
  ASSERT_FALSE(thrown.is_success());
  EXPECT_EQ(thrown.error().type, "std::out_of_range");
  EXPECT_EQ(thrown.error().message, "index 7");

  Response custom = invoke_handler(
      [](const Invocation&) -> Response { throw CustomError("custom"); }, invocation);
  EXPECT_EQ(custom.error().type, "streamcache::lambda::detail::(anonymous namespace)::CustomError");

  Response integer = invoke_handler([](const Invocation&) -> Response { throw 42; }, invocation);
  EXPECT_EQ(integer.error().type, "int");
  EXPECT_EQ(integer.error().message, "threw a value that is not a std::exception");

  Response untyped = invoke_handler(
      [](const Invocation&) { return Response::failure("no type", ""); }, invocation);
  EXPECT_EQ(untyped.error().type, "Error");

  Response fine = invoke_handler(
      [](const Invocation& in) { return Response::success("echo:" + in.payload); }, invocation);
  EXPECT_TRUE(fine.is_success());
  EXPECT_EQ(fine.payload(), "echo:");
}

// ---- The loop against a scripted Runtime API ----

class FakeRuntimeApi final : public RuntimeApi {
 public:
  std::deque<Expected<Invocation, ApiError>> nexts;  // when empty: HTTP 500, the loop ends
  std::deque<int> post_statuses;                     // per post attempt; empty: 202
  std::vector<http::Request> posts;                  // every attempt
  std::vector<std::string> trace_env_seen;           // _X_AMZN_TRACE_ID at each next()
  int next_calls = 0;

  Expected<Invocation, ApiError> next() override {
    ++next_calls;
    if (nexts.empty()) return unexpected(ApiError{500, "GET /next returned HTTP 500", {}});
    auto result = std::move(nexts.front());
    nexts.pop_front();
    return result;
  }

  Expected<void, ApiError> post(const http::Request& request) override {
    posts.push_back(request);
    const int status = post_statuses.empty() ? 202 : post_statuses.front();
    if (!post_statuses.empty()) post_statuses.pop_front();
    if (status == 0) return unexpected(ApiError{0, "connection reset", {}});
    if (status >= 300) return unexpected(ApiError{status, "HTTP " + std::to_string(status), {}});
    return {};
  }
};

Invocation invocation(std::string id, std::string payload, std::string trace = {}) {
  Invocation in;
  in.request_id = std::move(id);
  in.payload = std::move(payload);
  in.trace_id = std::move(trace);
  in.deadline = std::chrono::system_clock::now() + std::chrono::seconds(30);
  return in;
}

RuntimeOptions fast_options() {
  RuntimeOptions options;
  options.retry_backoff = milliseconds(0);  // retries without waiting in tests
  return options;
}

class RunLoop : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv(kTraceEnvironmentVariable); }
  void TearDown() override { ::unsetenv(kTraceEnvironmentVariable); }
  Pipe log_pipe_;
  Logger logger_{LogLevel::debug, log_pipe_.writer()};
};

TEST_F(RunLoop, EveryInvocationEndsInExactlyOnePost) {
  FakeRuntimeApi api;
  api.nexts.emplace_back(invocation("a", "1"));
  api.nexts.emplace_back(invocation("b", "throw"));
  api.nexts.emplace_back(invocation("c", "fail"));
  api.nexts.emplace_back(invocation("d", "4"));
  const Handler handler = [](const Invocation& in) {
    if (in.payload == "throw") throw std::logic_error("broken");
    if (in.payload == "fail") return Response::failure("nope", "Items.Invalid");
    return Response::success("ok " + in.payload);
  };
  EXPECT_EQ(run_loop(api, handler, fast_options(), logger_), 1);
  EXPECT_EQ(api.next_calls, 5);  // four invocations, then the 500 that ends the loop
  ASSERT_EQ(api.posts.size(), 4U);
  EXPECT_EQ(api.posts[0].target, "/2018-06-01/runtime/invocation/a/response");
  EXPECT_EQ(api.posts[0].body, "ok 1");
  EXPECT_EQ(api.posts[1].target, "/2018-06-01/runtime/invocation/b/error");
  EXPECT_EQ(api.posts[1].body,
            R"({"errorMessage":"broken","errorType":"std::logic_error","stackTrace":[]})");
  EXPECT_EQ(api.posts[2].target, "/2018-06-01/runtime/invocation/c/error");
  EXPECT_EQ(http::find_header(api.posts[2].headers, "Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("Items.Invalid"));
  EXPECT_EQ(api.posts[3].target, "/2018-06-01/runtime/invocation/d/response");

  const auto lines = json_lines(log_pipe_.drain());
  ASSERT_GE(lines.size(), 3U);
  EXPECT_EQ(lines[0].get_string("requestId"), std::optional<std::string_view>("b"));
  EXPECT_EQ(lines[0].get_string("errorType"), std::optional<std::string_view>("std::logic_error"));
  EXPECT_EQ(lines.back().get_string("level"), std::optional<std::string_view>("ERROR"));
  EXPECT_NE(lines.back().get_string("message")->find("500"), std::string_view::npos);
  EXPECT_EQ(lines.back().find("requestId"), nullptr);
}

TEST_F(RunLoop, RetriesTransientPostFailuresBoundedly) {
  FakeRuntimeApi api;
  api.nexts.emplace_back(invocation("a", "1"));
  api.nexts.emplace_back(invocation("b", "2"));
  api.nexts.emplace_back(invocation("c", "3"));
  // a: 503, reset, then accepted. b: four failures, the bound. c: 413 is final, not retried.
  api.post_statuses = {503, 0, 202, 503, 503, 503, 503, 413};
  const Handler echo = [](const Invocation& in) { return Response::success(in.payload); };
  RuntimeOptions options = fast_options();
  options.post_attempts = 4;
  EXPECT_EQ(run_loop(api, echo, options, logger_), 1);
  ASSERT_EQ(api.posts.size(), 8U);
  EXPECT_EQ(api.posts[2].target, "/2018-06-01/runtime/invocation/a/response");
  EXPECT_EQ(api.posts[6].target, "/2018-06-01/runtime/invocation/b/response");
  EXPECT_EQ(api.posts[7].target, "/2018-06-01/runtime/invocation/c/response");
  EXPECT_EQ(api.next_calls, 4);  // the loop went on after b's and c's posts failed
  const std::string log = log_pipe_.drain();
  EXPECT_NE(log.find("could not post the invocation result"), std::string::npos) << log;
  EXPECT_NE(log.find("413"), std::string::npos) << log;
}

TEST_F(RunLoop, GivesUpOnNextAfterBoundedTransportFailures) {
  FakeRuntimeApi api;
  api.nexts.emplace_back(invocation("a", "1"));
  for (int i = 0; i < 5; ++i)
    api.nexts.emplace_back(unexpected(ApiError{0, "refused", {}}));
  RuntimeOptions options = fast_options();
  options.next_attempts = 3;
  const Handler echo = [](const Invocation& in) { return Response::success(in.payload); };
  EXPECT_EQ(run_loop(api, echo, options, logger_), 1);
  EXPECT_EQ(api.next_calls, 4);  // one invocation, then three failed attempts
  EXPECT_EQ(api.posts.size(), 1U);
}

TEST_F(RunLoop, AnUnreadableInvocationIsAnsweredWithAnError) {
  FakeRuntimeApi api;
  api.nexts.emplace_back(unexpected(ApiError{200, "invalid deadline", "bad-1"}));
  api.nexts.emplace_back(invocation("a", "1"));
  const Handler echo = [](const Invocation& in) { return Response::success(in.payload); };
  EXPECT_EQ(run_loop(api, echo, fast_options(), logger_), 1);
  ASSERT_EQ(api.posts.size(), 2U);
  EXPECT_EQ(api.posts[0].target, "/2018-06-01/runtime/invocation/bad-1/error");
  EXPECT_EQ(http::find_header(api.posts[0].headers, "Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("Runtime.InvalidInvocation"));
  EXPECT_EQ(api.posts[1].target, "/2018-06-01/runtime/invocation/a/response");
}

TEST_F(RunLoop, ExportsTheTraceIdForEachInvocation) {
  FakeRuntimeApi api;
  api.nexts.emplace_back(invocation("a", "", "Root=1-a"));
  api.nexts.emplace_back(invocation("b", ""));
  api.nexts.emplace_back(invocation("c", "", "Root=1-c"));
  const Handler handler = [](const Invocation&) {
    const char* trace = std::getenv("_X_AMZN_TRACE_ID");
    return Response::success(trace != nullptr ? trace : "(unset)");
  };
  EXPECT_EQ(run_loop(api, handler, fast_options(), logger_), 1);
  ASSERT_EQ(api.posts.size(), 3U);
  EXPECT_EQ(api.posts[0].body, "Root=1-a");
  EXPECT_EQ(api.posts[1].body, "(unset)");
  EXPECT_EQ(api.posts[2].body, "Root=1-c");
}

TEST_F(RunLoop, LogsCarryTheRequestIdOnlyDuringTheInvocation) {
  FakeRuntimeApi api;
  api.nexts.emplace_back(invocation("req-7", ""));
  Logger* logger = &logger_;
  const Handler handler = [logger](const Invocation&) {
    logger->write(LogLevel::info, "inside");
    return Response::success("");
  };
  EXPECT_EQ(run_loop(api, handler, fast_options(), logger_), 1);
  const auto lines = json_lines(log_pipe_.drain());
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].get_string("requestId"), std::optional<std::string_view>("req-7"));
  EXPECT_EQ(lines[1].find("requestId"), nullptr);
}

// ---- The _dl_find_object replacement agrees with glibc's ----

#ifdef DLFO_STRUCT_HAS_EH_DBASE
int local_function() {
  return 7;
}

TEST(GlibcCompat, FindsTheSameUnwindTablesAsGlibc) {
  using GlibcFind = int (*)(void*, dl_find_object*);
  auto glibc_find =
      reinterpret_cast<GlibcFind>(::dlsym(RTLD_DEFAULT, "_dl_find_object"));  // NOLINT
  if (glibc_find == nullptr) GTEST_SKIP() << "this glibc has no _dl_find_object (< 2.35)";
  const std::vector<void*> addresses = {
      reinterpret_cast<void*>(&local_function),             // NOLINT: this test
      reinterpret_cast<void*>(&::write),                    // NOLINT: libc
      reinterpret_cast<void*>(&find_object_for_unwinder),   // NOLINT
      ::dlsym(RTLD_DEFAULT, "_ZNSt13runtime_errorC1EPKc"),  // libstdc++
  };
  for (void* address : addresses) {
    ASSERT_NE(address, nullptr);
    dl_find_object ours{};
    dl_find_object theirs{};
    ASSERT_EQ(find_object_for_unwinder(address, &ours), 0);
    ASSERT_EQ(glibc_find(address, &theirs), 0);
    EXPECT_EQ(ours.dlfo_eh_frame, theirs.dlfo_eh_frame);
    EXPECT_LE(ours.dlfo_map_start, address);
    EXPECT_GT(ours.dlfo_map_end, address);
  }
  dl_find_object none{};
  EXPECT_EQ(find_object_for_unwinder(nullptr, &none), -1);
  EXPECT_EQ(local_function(), 7);
}
#endif

}  // namespace
}  // namespace streamcache::lambda::detail
