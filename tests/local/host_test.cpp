// streamcache-local with real bootstraps (the probe and echo functions): the HTTP API, the Lambda
// service's instance pool, and the command line. Everything is observed over HTTP or in logs.
#include "local/host.h"

#include <csignal>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "http/client.h"
#include "json/json.h"
#include "support/process.h"
#include "support/wait.h"
#include "tracing/trace_header.h"

namespace streamcache::local {
namespace {

namespace fs = std::filesystem;

class Lines {
 public:
  LogSink::Writer writer() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  int count(std::string_view needle) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& l : lines_)
      n += l.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_)
      out += l + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

StackConfig probe_stack(const std::string& extra_env_json = "{}", int reserved = -1) {
  const std::string text = R"({"name":"t","table":{"name":"items"},
    "code":{"api":{"path":")" STREAMCACHE_PROBE_BOOTSTRAP R"("}},
    "api":{"timeout":1,"reserved_concurrency":)" +
                           std::to_string(reserved) + R"(},
    "environment_variables":)" +
                           extra_env_json + R"(,
    "http_api":{"listen":"127.0.0.1:0","routes":["ANY /{proxy+}","GET /items/{id}"]}})";
  auto c = parse_stack_config(text, testing::make_log_dir("local_host"), fixed_env({}));
  EXPECT_TRUE(c) << c.error();
  return *c;
}

class LocalHostTest : public ::testing::Test {
 protected:
  void start(StackConfig config) {
    auto h = LocalHost::start(std::move(config), sink_);
    ASSERT_TRUE(h) << h.error();
    host_ = std::move(*h);
    auto url = http::parse_url(host_->api_url());
    ASSERT_TRUE(url);
    url_ = *url;
  }
  http::Response get(const std::string& target, const std::string& method = "GET",
                     std::string body = {}) {
    http::ClientOptions options;
    options.request_timeout = std::chrono::seconds(30);
    http::Client client(url_, options);
    http::Request request;
    request.method = method;
    request.target = target;
    request.body = std::move(body);
    auto r = client.send(request);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : http::Response{};
  }
  json::Value health() {
    auto v = json::parse(get("/__streamcache/health").body);
    EXPECT_TRUE(v);
    return v ? *v : json::Value();
  }
  void TearDown() override {
    if (HasFailure()) std::fprintf(stderr, "host log:\n%s", lines_.all().c_str());
  }

  Lines lines_;
  LogSink sink_{lines_.writer()};
  std::unique_ptr<LocalHost> host_;
  http::Url url_;
};

TEST_F(LocalHostTest, RoutesBecomePayloadTwoEventsAndUnknownRoutesAre404) {
  start(probe_stack());
  auto r = get("/items/abc?x=1");
  ASSERT_EQ(r.status, 200);
  auto event = json::parse(r.body);
  ASSERT_TRUE(event) << r.body;
  EXPECT_EQ(*event->get_string("routeKey"), "GET /items/{id}");
  EXPECT_EQ(*event->find("pathParameters")->get_string("id"), "abc");
  EXPECT_EQ(*event->find("queryStringParameters")->get_string("x"), "1");
  EXPECT_EQ(*event->find("requestContext")->find("http")->get_string("method"), "GET");

  auto proxy = json::parse(get("/a/b", "DELETE").body);
  ASSERT_TRUE(proxy);
  EXPECT_EQ(*proxy->get_string("routeKey"), "ANY /{proxy+}");
  EXPECT_EQ(*proxy->find("pathParameters")->get_string("proxy"), "a/b");

  auto missing = get("/items/a/b");  // GET /items/{id} does not match, ANY /{proxy+} does
  EXPECT_EQ(missing.status, 200);
  auto root = get("/");
  EXPECT_EQ(root.status, 404);
  EXPECT_EQ(root.body, R"({"message":"Not Found"})");
}

// docs/dashboard.md: /_local is the gateway's, even under ANY /{proxy+}; requests the function
// answered, its REPORT lines and cold start are counted.
TEST_F(LocalHostTest, DashboardPathsNeverReachTheFunctionAndCountWhatDid) {
  start(probe_stack());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(get("/items/abc").status, 200);
  EXPECT_EQ(get("/a/b", "DELETE").status, 200);
  auto page = get("/_local");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type").value_or(""), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<canvas"), std::string::npos) << "the function answered: " << page.body;
  EXPECT_EQ(get("/_local/stats", "POST").status, 405);
  auto stats = json::parse(get("/_local/stats").body);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->find("requests")->get_int("total").value_or(-1), 4);
  std::map<std::string, std::int64_t> routes;
  for (const auto& r : stats->find("requests")->find("routes")->as_array())
    routes[std::string(*r.get_string("route"))] = *r.get_int("total");
  EXPECT_EQ(routes,
            (std::map<std::string, std::int64_t>{{"ANY /{proxy+}", 1}, {"GET /items/{id}", 3}}));
  const json::Value* functions = stats->find("functions");
  ASSERT_TRUE(functions != nullptr && functions->is_object() && !functions->as_object().empty());
  const json::Value& fn = functions->as_object().front().value;
  EXPECT_EQ(fn.get_int("invocations").value_or(-1), 4) << json::serialize(*functions);
  EXPECT_EQ(fn.get_int("coldStarts").value_or(-1), 1);
}

// docs/local.md: every response carries apigw-requestid, the gateway's own answers too.
TEST_F(LocalHostTest, EveryAnswerCarriesARequestIdTheGatewaysOwnToo) {
  start(probe_stack());
  std::set<std::string> ids;
  auto expect_id = [&](const http::Response& r, const char* what) {
    const auto id = r.header("apigw-requestid");
    ASSERT_TRUE(id) << what << " (" << r.status << ") has no apigw-requestid";
    EXPECT_TRUE(ids.insert(std::string(*id)).second) << what << ": " << *id << " repeats";
  };
  auto unmatched = get("/");  // no configured route matches: the gateway's own 404
  EXPECT_EQ(unmatched.status, 404);
  expect_id(unmatched, "the gateway's 404");
  expect_id(get("/__streamcache/health"), "the health endpoint");
  expect_id(get("/plain"), "a function's answer");
  expect_id(get("/throw"), "the gateway's 500");
  expect_id(get("/malformed"), "the gateway's 502");
  expect_id(get("/sleep/5000"), "the gateway's 504");
  expect_id(get("/items/x", "POST", std::string(6 * 1024 * 1024 + 1, 'a')), "the gateway's 413");
  expect_id(get("/items/x", "POST", std::string(10 * 1024 * 1024 + 1, 'a')), "the unread 413");
}

// local/stack.json's route: like Terraform's HTTP API, $default sends every request on as is.
TEST_F(LocalHostTest, TheDefaultRouteSendsEveryRequestToTheFunction) {
  StackConfig config = probe_stack();
  config.http_api.routes = {"$default"};
  start(std::move(config));
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"DELETE", "/items"}, {"GET", "/items/"}, {"GET", "/"}, {"PUT", "/prod/items/a"}}) {
    auto r = get(target, method);
    ASSERT_EQ(r.status, 200) << method << " " << target << ": " << r.body;
    auto event = json::parse(r.body);
    ASSERT_TRUE(event) << r.body;
    EXPECT_EQ(*event->get_string("routeKey"), "$default");
    EXPECT_EQ(*event->get_string("rawPath"), target);
    EXPECT_EQ(*event->find("requestContext")->find("http")->get_string("method"), method);
    EXPECT_TRUE(r.header("apigw-requestid"));
  }
}

TEST_F(LocalHostTest, FunctionResponsesFollowThePayloadTwoRules) {
  start(probe_stack());
  auto r = get("/status/201");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "hello");  // base64-decoded
  EXPECT_EQ(*r.header("x-probe"), "yes");
  int cookies = 0;
  for (const auto& h : r.headers)
    cookies += http::iequals(h.name, "set-cookie") ? 1 : 0;
  EXPECT_EQ(cookies, 2);
  EXPECT_TRUE(r.header("apigw-requestid"));

  auto plain = get("/plain");  // JSON without statusCode: 200, the JSON as the body
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, R"({"hello":"world"})");
  EXPECT_EQ(*plain.header("content-type"), "application/json");
}

TEST_F(LocalHostTest, ErrorsMapToApiGatewayStatuses) {
  StackConfig config = probe_stack();
  // Posting /big's 7 MB took over the 1 s timeout on a loaded machine (504, not 502).
  config.api->timeout = std::chrono::seconds(10);
  start(std::move(config));
  EXPECT_EQ(get("/malformed").status, 502);
  EXPECT_EQ(get("/throw").status, 500);
  EXPECT_EQ(get("/big").status, 502);  // over 6 MB: the Runtime API refuses the response
  EXPECT_EQ(get("/items/x", "POST", std::string(6 * 1024 * 1024 + 1, 'a')).status, 413);
  EXPECT_EQ(get("/crash").status, 500);
  EXPECT_EQ(lines_.count("exited: exit status 3"), 1);
  EXPECT_EQ(get("/plain").status, 200);  // a new instance replaces the crashed one
  // The runtime's own ERROR line for the exception is forwarded under the function's name.
  EXPECT_GE(lines_.count("[t-api] {"), 1);
  EXPECT_GE(lines_.count("probe was asked to throw"), 1);
}

TEST_F(LocalHostTest, TimeoutKillsTheInstanceAnswers504AndTheNextRequestWorks) {
  start(probe_stack());
  auto r = get("/env");
  ASSERT_EQ(r.status, 200);
  const auto first_pid = json::parse(r.body)->get_int("pid");
  EXPECT_EQ(get("/sleep/5000").status, 504);
  EXPECT_EQ(lines_.count("Task timed out after 1.00 seconds"), 1);
  auto after = get("/env");
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(json::parse(after.body)->get_int("pid"), first_pid);  // a fresh sandbox
  EXPECT_EQ(::kill(static_cast<pid_t>(*first_pid), 0), -1);       // the old one is gone
}

TEST_F(LocalHostTest, InstancesHaveLambdasEnvironment) {
  start(probe_stack(R"({"EXTRA":"x"})"));
  auto env = json::parse(get("/env").body);
  ASSERT_TRUE(env);
  EXPECT_EQ(*env->get_string("AWS_LAMBDA_FUNCTION_NAME"), "t-api");
  EXPECT_EQ(*env->get_string("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "256");
  EXPECT_EQ(*env->get_string("AWS_LAMBDA_FUNCTION_VERSION"), "$LATEST");
  EXPECT_EQ(*env->get_string("AWS_REGION"), "us-east-1");
  EXPECT_EQ(*env->get_string("_HANDLER"), "bootstrap");
  EXPECT_EQ(*env->get_string("TZ"), ":UTC");
  EXPECT_EQ(*env->get_string("TABLE_NAME"), "items");
  EXPECT_EQ(*env->get_string("AWS_ACCESS_KEY_ID"), "testing");
  EXPECT_EQ(*env->get_string("LAMBDA_TASK_ROOT"),
            fs::path(STREAMCACHE_PROBE_BOOTSTRAP).parent_path().string());
  EXPECT_TRUE(env->find("HOME")->is_null());  // nothing leaks from the host's environment
}

TEST_F(LocalHostTest, ConcurrentRequestsGetInstancesAndIdleOnesAreReused) {
  start(probe_stack());
  auto a = std::async(std::launch::async, [&] { return get("/sleep/300").status; });
  auto b = std::async(std::launch::async, [&] { return get("/sleep/300").status; });
  // Both are in flight at once only if two instances exist; wait until both were started.
  ASSERT_TRUE(testing::wait_until([&] { return lines_.count("START RequestId") >= 2; }));
  EXPECT_EQ(a.get(), 200);
  EXPECT_EQ(b.get(), 200);
  EXPECT_EQ(health().find("functions")->find("t-api")->get_int("coldStarts"), 2);
  EXPECT_EQ(get("/plain").status, 200);
  EXPECT_EQ(get("/plain").status, 200);
  const auto h = health();
  EXPECT_EQ(h.find("functions")->find("t-api")->get_int("coldStarts"), 2);  // warm reuse
  EXPECT_EQ(h.find("functions")->find("t-api")->get_int("invocations"), 4);
  EXPECT_EQ(lines_.count("REPORT RequestId"), 4);
  EXPECT_EQ(lines_.count("Init Duration"), 2);  // only the cold starts report it
  EXPECT_EQ(lines_.count("Max Memory Used: "), 4);
}

// Like Lambda with reserved concurrency: a synchronous request finding every reserved instance
// busy is throttled at once (429), which API Gateway answers as a 500.
TEST_F(LocalHostTest, ReservedConcurrencyThrottlesSynchronousRequestsAtOnce) {
  start(probe_stack("{}", 1));
  auto slow = std::async(std::launch::async, [&] { return get("/sleep/800").status; });
  ASSERT_TRUE(testing::wait_until([&] { return lines_.count("START RequestId") >= 1; }));
  const auto throttled = get("/plain");
  EXPECT_EQ(throttled.status, 500);
  EXPECT_EQ(throttled.body, R"({"message":"Internal Server Error"})");
  EXPECT_EQ(lines_.count("TooManyRequestsException"), 1);
  EXPECT_EQ(slow.get(), 200);
  EXPECT_EQ(get("/plain").status, 200);  // the instance is free again
  EXPECT_EQ(health().find("functions")->find("t-api")->get_int("coldStarts"), 1);
}

// Without reserved concurrency, local.max_concurrency only protects this machine: callers wait.
TEST_F(LocalHostTest, LocalConcurrencyLimitQueuesInsteadOfThrottling) {
  StackConfig config = probe_stack();
  config.local.max_concurrency = 1;
  start(std::move(config));
  auto a = std::async(std::launch::async, [&] { return get("/sleep/200").status; });
  auto b = std::async(std::launch::async, [&] { return get("/sleep/200").status; });
  EXPECT_EQ(a.get(), 200);
  EXPECT_EQ(b.get(), 200);
  EXPECT_EQ(health().find("functions")->find("t-api")->get_int("coldStarts"), 1);
}

// Regression: a warm instance's invocation was timed against its spawn + init timeout when it
// was assigned before the bootstrap was back at /next, failing at once under load.
TEST_F(LocalHostTest, WarmInstancesAreNotHeldToTheInitTimeout) {
  StackConfig config = probe_stack();
  config.local.max_concurrency = 1;  // one instance, and requests queue for it
  config.local.init_timeout = std::chrono::milliseconds(200);
  start(std::move(config));
  // A loaded machine (sanitizers, parallel tests) may miss the short init timeout on a cold start;
  // what is tested starts once one instance is warm.
  ASSERT_TRUE(streamcache::testing::wait_until([&] { return get("/sleep/1").status == 200; }));
  const int timeouts_before = lines_.count("timed out");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // ages the instance past init
  for (int i = 0; i < 20; ++i) {
    // With one instance, the second request is assigned as soon as the first one's result is in.
    auto a = std::async(std::launch::async, [&] { return get("/sleep/1").status; });
    auto b = std::async(std::launch::async, [&] { return get("/sleep/1").status; });
    EXPECT_EQ(a.get(), 200);
    EXPECT_EQ(b.get(), 200);
  }
  EXPECT_EQ(lines_.count("timed out"), timeouts_before);
}

TEST_F(LocalHostTest, InitErrorFailsTheInvocationAndIsReported) {
  start(probe_stack(R"({"PROBE_INIT_FAIL":"1"})"));
  EXPECT_EQ(get("/plain").status, 500);
  EXPECT_EQ(lines_.count("INIT_REPORT"), 1);
  EXPECT_EQ(lines_.count("Error Type: ProbeInitError"), 1);
}

TEST_F(LocalHostTest, DirectInvokeOfTheEchoBootstrapCarriesTheContext) {
  auto config = probe_stack();
  config.api->code = STREAMCACHE_ECHO_BOOTSTRAP;
  start(std::move(config));
  auto r = host_->invoke("api", R"({"action":"context"})");
  ASSERT_EQ(r.status, InvokeResult::Status::ok) << r.payload;
  auto context = json::parse(r.payload);
  ASSERT_TRUE(context);
  EXPECT_EQ(*context->get_string("functionArn"),
            "arn:aws:lambda:us-east-1:000000000000:function:t-api");
  EXPECT_EQ(*context->get_string("requestId"), r.request_id);
  EXPECT_GT(*context->get_int("remainingMs"), 0);
  auto failed = host_->invoke("api", R"({"action":"fail","message":"no"})");
  EXPECT_EQ(failed.status, InvokeResult::Status::function_error);
  EXPECT_EQ(failed.error_type, "EchoFailure");
}

TEST_F(LocalHostTest, TheMonitorRunsOnItsSchedule) {
  const std::string text = R"({"name":"t","table":{"name":"items"},
    "code":{"api":{"path":")" STREAMCACHE_PROBE_BOOTSTRAP R"("},
            "monitor":{"path":")" STREAMCACHE_ECHO_BOOTSTRAP R"("}},
    "monitor":{"schedule_seconds":1,"sample_size":7,"grace_seconds":0},
    "http_api":{"listen":"127.0.0.1:0"}})";
  auto config = parse_stack_config(text, testing::make_log_dir("local_host"), fixed_env({}));
  ASSERT_TRUE(config) << config.error();
  start(std::move(*config));
  // The echo function answers with its event: each scheduled run logs the schedule's payload.
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return lines_.count(R"(scheduled run: {"source":"streamcache.local.schedule"})") >= 2;
      },
      std::chrono::seconds(60)))
      << lines_.all();
}

// Active tracing as Lambda does it: the host samples, creates the function segment, hands its
// id to the function as Parent, and records the segment in <work_dir>/traces.jsonl.
TEST_F(LocalHostTest, SampledInvocationsGetAFunctionSegmentWhoseIdTheFunctionSeesAsParent) {
  start(probe_stack());
  const json::Value state = health();
  const json::Value* traces = state.find("traces");
  ASSERT_NE(traces, nullptr);
  const std::string file(traces->get_string("file").value_or(""));

  auto env = json::parse(get("/env").body);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->get_string("AWS_XRAY_DAEMON_ADDRESS"), traces->get_string("daemonAddress"));
  const std::string header(env->get_string("_X_AMZN_TRACE_ID").value_or(""));
  const auto parsed = streamcache::tracing::parse_trace_header(header);
  ASSERT_TRUE(parsed.sampled) << header;  // the default samples every invocation locally
  ASSERT_TRUE(streamcache::tracing::is_trace_id(parsed.root)) << header;
  ASSERT_TRUE(streamcache::tracing::is_segment_id(parsed.parent)) << header;

  const auto segment_of = [&](std::string_view root) -> std::optional<json::Value> {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      auto doc = json::parse(line);
      if (doc && doc->get_string("trace_id") == root) return *doc;
    }
    return std::nullopt;
  };
  ASSERT_TRUE(testing::wait_until([&] { return segment_of(parsed.root).has_value(); }));
  const json::Value segment = *segment_of(parsed.root);
  EXPECT_EQ(segment.get_string("id"), parsed.parent);
  EXPECT_EQ(segment.get_string("name"), "t-api");
  EXPECT_EQ(segment.get_string("origin"), "AWS::Lambda::Function");
  EXPECT_EQ(segment.find("type"), nullptr);
  EXPECT_EQ(segment.find("parent_id"), nullptr);  // the client sent no trace header

  // A caller's decision is kept: Sampled=0 passes through and records nothing.
  http::ClientOptions options;
  options.request_timeout = std::chrono::seconds(30);
  http::Client client(url_, options);
  const std::string unsampled_root = "1-5759e988-00000000000000000000000b";
  http::Request request;
  request.method = "GET";
  request.target = "/env";
  request.headers = {{"X-Amzn-Trace-Id", "Root=" + unsampled_root + ";Sampled=0"}};
  auto r = client.send(request);
  ASSERT_TRUE(r) << r.error().message;
  auto unsampled_env = json::parse(r->body);
  ASSERT_TRUE(unsampled_env);
  const auto unsampled = streamcache::tracing::parse_trace_header(
      unsampled_env->get_string("_X_AMZN_TRACE_ID").value_or(""));
  EXPECT_EQ(unsampled.root, unsampled_root);
  EXPECT_FALSE(unsampled.sampled);
  // Recorded in order on the io thread: once a later sampled invocation's segment is in the
  // file, the unsampled one would be too.
  auto again = json::parse(get("/env").body);
  ASSERT_TRUE(again);
  const auto later =
      streamcache::tracing::parse_trace_header(again->get_string("_X_AMZN_TRACE_ID").value_or(""));
  ASSERT_TRUE(testing::wait_until([&] { return segment_of(later.root).has_value(); }));
  EXPECT_FALSE(segment_of(unsampled_root).has_value());
}

// ---- the command line ----

std::string write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

TEST(LocalCli, BadConfigurationIsAClearErrorWithExitCode2) {
  const auto dir = testing::make_log_dir("local_cli_bad");
  const auto config = write_file(dir, "stack.json", R"({"event_source_mapping":{"batch_size":0}})");
  testing::Process p({{STREAMCACHE_LOCAL_BINARY, "--config", config}, dir / "out.log", {}, {}});
  auto status = p.wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(p.log_tail().find("event_source_mapping.batch_size: must be from 1 to 10000, got 0"),
            std::string::npos)
      << p.log_tail();

  testing::Process unknown({{STREAMCACHE_LOCAL_BINARY, "--bogus"}, dir / "out2.log", {}, {}});
  status = unknown.wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(unknown.log_tail().find("unknown argument \"--bogus\""), std::string::npos);
}

TEST(LocalCli, BusyPortIsAClearErrorWithExitCode1) {
  const auto dir = testing::make_log_dir("local_cli_busy");
  LogSink quiet([](std::string_view) {});
  auto holder = LocalHost::start(probe_stack(), quiet);  // holds a port
  ASSERT_TRUE(holder) << holder.error();
  const std::string port = (*holder)->api_url().substr((*holder)->api_url().rfind(':') + 1);
  const auto config = write_file(
      dir, "stack.json", R"({"code":{"api":{"path":")" STREAMCACHE_PROBE_BOOTSTRAP R"("}}})");
  testing::Process p(
      {{STREAMCACHE_LOCAL_BINARY, "--config", config, "--listen", "127.0.0.1:" + port},
       dir / "out.log",
       {},
       {}});
  auto status = p.wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(p.log_tail().find("127.0.0.1:" + port + " is already in use"), std::string::npos)
      << p.log_tail();
}

TEST(LocalCli, ServesUntilSigtermAndLeavesNoInstanceBehind) {
  const auto dir = testing::make_log_dir("local_cli_run");
  const auto config = write_file(dir, "stack.json",
                                 R"({"code":{"api":{"path":")" STREAMCACHE_PROBE_BOOTSTRAP
                                 R"("}},"http_api":{"routes":["ANY /{proxy+}"]}})");
  const auto ready = dir / "ready";
  testing::Process p({{STREAMCACHE_LOCAL_BINARY, "--config", config, "--listen", "127.0.0.1:0",
                       "--ready-file", ready.string()},
                      dir / "out.log",
                      {},
                      {}});
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(ready) && fs::file_size(ready) > 0; }))
      << p.log_tail();
  std::string url;
  std::ifstream(ready) >> url;
  auto parsed = http::parse_url(url);
  ASSERT_TRUE(parsed) << url;
  http::Client client(*parsed);
  auto r = client.send(http::Request{"GET", "/env", {}, {}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto pid = static_cast<pid_t>(*json::parse(r->body)->get_int("pid"));
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_EQ(WEXITSTATUS(p.stop()), 0);
  EXPECT_TRUE(testing::wait_until([&] { return ::kill(pid, 0) != 0; }));
  EXPECT_NE(p.log_tail().find("[streamcache-local] stopping (SIGTERM)"), std::string::npos);
  EXPECT_NE(p.log_tail().find("[streamcache-local] ready: API " + url), std::string::npos);
}

}  // namespace
}  // namespace streamcache::local
