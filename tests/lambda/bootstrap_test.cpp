// The real echo bootstrap (the binary that goes into echo.zip, before stripping) against the
// in-test Runtime API: success, handler errors, init errors, context values, trace id export,
// 500 from /next, 6 MB payloads, keep-alive, retried posts, JSON logs.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "json/json.h"
#include "lambda/runtime_api_server.h"
#include "support/process.h"
#include "support/wait.h"

namespace streamcache::lambda::testing {
namespace {

using std::chrono::milliseconds;
using streamcache::testing::Process;

constexpr const char* kEchoBootstrap = STREAMCACHE_ECHO_BOOTSTRAP;

json::Value parse_json(std::string_view text) {
  auto value = json::parse(text);
  EXPECT_TRUE(value) << text.substr(0, 500);
  return value ? *value : json::Value();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Bootstrap : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log_dir_ = streamcache::testing::make_log_dir("lambda_bootstrap");
  }

  // Starts the echo bootstrap against the test Runtime API.
  void start(std::map<std::string, std::string> env = {}) {
    env.emplace("AWS_LAMBDA_RUNTIME_API", server_.endpoint());
    env.emplace("LOG_LEVEL", "INFO");
    env.emplace("_X_AMZN_TRACE_ID", "");  // the parent's value must not leak into the test
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    process_ = std::make_unique<Process>(
        Process::Options{.argv = {kEchoBootstrap},
                         .log_file = log_dir_ / (std::string(info->name()) + ".log"),
                         .env = std::move(env),
                         .working_dir = std::nullopt});
  }

  // Invokes and returns what the bootstrap posted for it.
  Post invoke(QueuedInvocation invocation) {
    const std::string id = invocation.request_id;
    server_.enqueue(std::move(invocation));
    auto post = server_.wait_for_post(id);
    EXPECT_TRUE(post.has_value()) << "no post for " << id << "\n" << log();
    return post.value_or(Post{});
  }

  Post invoke(const std::string& id, std::string payload) {
    QueuedInvocation invocation;
    invocation.request_id = id;
    invocation.payload = std::move(payload);
    return invoke(std::move(invocation));
  }

  std::string log() const { return process_ ? process_->log_tail(16384) : ""; }

  // The JSON log lines the bootstrap wrote (stdout and stderr share the log file).
  std::vector<json::Value> log_lines() const {
    std::vector<json::Value> lines;
    std::istringstream in(read_file(process_->log_file()));
    for (std::string line; std::getline(in, line);) {
      auto value = json::parse(line);
      EXPECT_TRUE(value) << "not a JSON log line: " << line;
      if (value) lines.push_back(*value);
    }
    return lines;
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "bootstrap log:\n" << log() << "\n";
    process_.reset();  // before the server: the bootstrap must not see the API vanish first
  }

  static inline std::filesystem::path log_dir_;
  RuntimeApiServer server_;
  std::unique_ptr<Process> process_;
};

TEST_F(Bootstrap, EchoesThePayload) {
  start();
  const Post post = invoke("req-1", R"({"hello":"world"})");
  EXPECT_EQ(post.kind, Post::Kind::response);
  EXPECT_EQ(post.body, R"({"hello":"world"})");
  EXPECT_EQ(post.content_type, "application/json");
  EXPECT_TRUE(process_->running());
}

TEST_F(Bootstrap, PassesTheContextAndDeadline) {
  start();
  const std::int64_t deadline = epoch_ms_now() + 45'000;
  const std::int64_t before = epoch_ms_now();
  const Post post = invoke(QueuedInvocation{
      .request_id = "ctx-1",
      .payload = R"({"action":"context"})",
      .deadline_ms = deadline,
      .function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:api:live",
      .trace_id = "Root=1-65f1c2a0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
      .client_context = R"({"custom":{"k":"v"}})",
      .cognito_identity = R"({"cognitoIdentityId":"us-east-1:abc"})",
      .raw_deadline_header = std::nullopt});
  ASSERT_EQ(post.kind, Post::Kind::response) << post.body;
  const json::Value context = parse_json(post.body);
  EXPECT_EQ(context.get_string("requestId"), std::optional<std::string_view>("ctx-1"));
  EXPECT_EQ(context.get_int("deadlineMs"), deadline);
  const auto remaining = context.get_int("remainingMs");
  ASSERT_TRUE(remaining.has_value());
  EXPECT_LE(*remaining, deadline - before);  // counted down from the header's deadline
  EXPECT_EQ(
      context.get_string("functionArn"),
      std::optional<std::string_view>("arn:aws:lambda:eu-west-1:123456789012:function:api:live"));
  EXPECT_EQ(context.get_string("traceEnv"), context.get_string("traceId"));
  EXPECT_EQ(context.get_string("traceEnv"),
            std::optional<std::string_view>(
                "Root=1-65f1c2a0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"));
  EXPECT_EQ(context.get_string("clientContext"),
            std::optional<std::string_view>(R"({"custom":{"k":"v"}})"));
  EXPECT_EQ(context.get_string("cognitoIdentity"),
            std::optional<std::string_view>(R"({"cognitoIdentityId":"us-east-1:abc"})"));
}

TEST_F(Bootstrap, ExportsEachInvocationsTraceId) {
  start();
  const auto trace_seen = [&](const std::string& id, const std::string& trace) {
    QueuedInvocation invocation;
    invocation.request_id = id;
    invocation.payload = R"({"action":"context"})";
    invocation.trace_id = trace;
    const Post post = invoke(std::move(invocation));
    const json::Value context = parse_json(post.body);
    return std::string(context.get_string("traceEnv").value_or("(unset)"));
  };
  EXPECT_EQ(trace_seen("t1", "Root=1-aaaaaaaa-000000000000000000000001"),
            "Root=1-aaaaaaaa-000000000000000000000001");
  EXPECT_EQ(trace_seen("t2", ""), "(unset)");
  EXPECT_EQ(trace_seen("t3", "Root=1-cccccccc-000000000000000000000003"),
            "Root=1-cccccccc-000000000000000000000003");
}

TEST_F(Bootstrap, HandlerExceptionIsPostedAndTheLoopGoesOn) {
  start();
  const Post thrown = invoke("boom-1", R"({"action":"throw","message":"item \"a\" is broken"})");
  ASSERT_EQ(thrown.kind, Post::Kind::error);
  EXPECT_EQ(thrown.content_type, "application/vnd.aws.lambda.error+json");
  EXPECT_EQ(thrown.error_type_header, "std::runtime_error");
  const json::Value error = parse_json(thrown.body);
  EXPECT_EQ(error.get_string("errorType"), std::optional<std::string_view>("std::runtime_error"));
  EXPECT_EQ(error.get_string("errorMessage"),
            std::optional<std::string_view>("item \"a\" is broken"));
  ASSERT_NE(error.find("stackTrace"), nullptr);
  EXPECT_TRUE(error.find("stackTrace")->is_array());

  const Post integer = invoke("boom-2", R"({"action":"throw_int"})");
  ASSERT_EQ(integer.kind, Post::Kind::error);
  EXPECT_EQ(integer.error_type_header, "int");

  const Post failure = invoke("fail-1", R"({"action":"fail","message":"not today"})");
  ASSERT_EQ(failure.kind, Post::Kind::error);
  EXPECT_EQ(parse_json(failure.body).get_string("errorType"),
            std::optional<std::string_view>("EchoFailure"));

  const Post after = invoke("ok-1", "\"still here\"");
  EXPECT_EQ(after.kind, Post::Kind::response);
  EXPECT_EQ(after.body, "\"still here\"");
  EXPECT_EQ(server_.posts().size(), 4U);  // exactly one post per invocation
}

TEST_F(Bootstrap, InitErrorIsPostedAndTheProcessExits) {
  start({{"ECHO_INIT", "fail"}});
  auto init_error = server_.wait_for_init_error();
  ASSERT_TRUE(init_error.has_value()) << log();
  EXPECT_EQ(init_error->error_type_header, "EchoInitError");
  EXPECT_EQ(init_error->content_type, "application/vnd.aws.lambda.error+json");
  EXPECT_EQ(parse_json(init_error->body).get_string("errorMessage"),
            std::optional<std::string_view>("ECHO_INIT asks init to fail"));
  auto status = process_->wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << "bootstrap still running after its init error";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_EQ(server_.next_requests(), 0);
}

TEST_F(Bootstrap, ThrowingInitIsReportedWithItsType) {
  start({{"ECHO_INIT", "throw"}});
  auto init_error = server_.wait_for_init_error();
  ASSERT_TRUE(init_error.has_value()) << log();
  EXPECT_EQ(init_error->error_type_header, "std::invalid_argument");
  auto status = process_->wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0);
}

TEST_F(Bootstrap, BadLogLevelIsAnInitError) {
  start({{"LOG_LEVEL", "chatty"}});
  auto init_error = server_.wait_for_init_error();
  ASSERT_TRUE(init_error.has_value()) << log();
  EXPECT_EQ(init_error->error_type_header, "Runtime.ConfigInvalid");
  EXPECT_NE(init_error->body.find("LOG_LEVEL is 'chatty'"), std::string::npos) << init_error->body;
  EXPECT_TRUE(process_->wait_for_exit(std::chrono::seconds(20)).has_value());
}

TEST_F(Bootstrap, ExitsWhenNextReturns500) {
  start();
  EXPECT_EQ(invoke("before", "1").kind, Post::Kind::response);
  server_.fail_next_with(500);
  auto status = process_->wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << "bootstrap kept running after HTTP 500 from /next";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(log().find("returned HTTP 500"), std::string::npos) << log();
}

TEST_F(Bootstrap, ExitsWithoutARuntimeApi) {
  start({{"AWS_LAMBDA_RUNTIME_API", ""}});
  auto status = process_->wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0);
  EXPECT_NE(log().find("AWS_LAMBDA_RUNTIME_API is not set"), std::string::npos) << log();
}

TEST_F(Bootstrap, CarriesSixMegabytePayloadsBothWays) {
  start();
  std::string payload = "\"";
  payload.reserve(6 * 1024 * 1024);
  for (std::size_t i = 0; payload.size() < 6 * 1024 * 1024 - 1; ++i) {
    payload += static_cast<char>('a' + i % 26);
  }
  payload += '"';
  ASSERT_EQ(payload.size(), 6U * 1024 * 1024);
  const Post post = invoke("large-1", payload);
  ASSERT_EQ(post.kind, Post::Kind::response);
  EXPECT_EQ(post.body.size(), payload.size());
  EXPECT_TRUE(post.body == payload);
}

TEST_F(Bootstrap, KeepsOneConnectionAlive) {
  start();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(invoke("keep-" + std::to_string(i), std::to_string(i)).body, std::to_string(i));
  }
  EXPECT_EQ(server_.connections_accepted(), 1);
}

TEST_F(Bootstrap, RetriesAPostThatFailedWith5xx) {
  start();
  server_.fail_posts_with(503, 2);
  const Post post = invoke("retry-1", "\"x\"");
  EXPECT_EQ(post.body, "\"x\"");
  EXPECT_EQ(server_.post_attempts(), 3);
  EXPECT_EQ(invoke("retry-2", "\"y\"").body, "\"y\"");
}

TEST_F(Bootstrap, AnInvalidDeadlineIsAnsweredWithAnError) {
  start();
  QueuedInvocation invocation;
  invocation.request_id = "nodeadline";
  invocation.payload = "{}";
  invocation.raw_deadline_header = "tomorrow";
  const Post post = invoke(std::move(invocation));
  EXPECT_EQ(post.kind, Post::Kind::error);
  EXPECT_EQ(post.error_type_header, "Runtime.InvalidInvocation");
  EXPECT_EQ(invoke("after", "1").kind, Post::Kind::response);
}

TEST_F(Bootstrap, LogsJsonLinesFilteredByLevel) {
  start({{"LOG_LEVEL", "info"}});
  invoke("log-1", R"({"action":"log"})");
  invoke("boom", R"({"action":"throw","message":"bad"})");
  ASSERT_TRUE(streamcache::testing::wait_until([&] { return log_lines().size() >= 3; }));
  const auto lines = log_lines();
  std::vector<std::string> messages;
  for (const auto& line : lines) {
    messages.emplace_back(line.get_string("message").value_or(""));
    EXPECT_TRUE(line.get_string("timestamp").has_value());
    EXPECT_TRUE(line.get_string("level").has_value());
  }
  EXPECT_EQ(std::count(messages.begin(), messages.end(), "debug line"), 0);
  ASSERT_GE(lines.size(), 3U);
  EXPECT_EQ(lines[0].get_string("message"), std::optional<std::string_view>("info line"));
  EXPECT_EQ(lines[0].get_string("requestId"), std::optional<std::string_view>("log-1"));
  EXPECT_EQ(lines[0].get_string("detail"), std::optional<std::string_view>("some value"));
  EXPECT_EQ(lines[1].get_string("level"), std::optional<std::string_view>("WARN"));
  EXPECT_EQ(lines[2].get_string("level"), std::optional<std::string_view>("ERROR"));
  EXPECT_EQ(lines[2].get_string("requestId"), std::optional<std::string_view>("boom"));
  EXPECT_EQ(lines[2].get_string("errorType"),
            std::optional<std::string_view>("std::runtime_error"));
}

TEST_F(Bootstrap, DebugLevelShowsDebugLines) {
  start({{"LOG_LEVEL", "DEBUG"}});
  invoke("log-2", R"({"action":"log"})");
  ASSERT_TRUE(streamcache::testing::wait_until([&] { return log_lines().size() >= 3; }));
  EXPECT_EQ(log_lines()[0].get_string("message"), std::optional<std::string_view>("debug line"));
}

}  // namespace
}  // namespace streamcache::lambda::testing
