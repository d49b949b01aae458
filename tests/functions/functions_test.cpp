// The shipped bootstraps end to end: api and stream-handler run as real processes against the
// Runtime API test double, a real redis-server and a real moto_server. Built twice: for this
// machine's bootstraps (functions_integration_tests) and, with STREAMCACHE_QEMU_AARCH64, for the
// arm64 zips under qemu-user (functions_arm64_tests, a subset: tests/functions/CMakeLists.txt).
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "aws/service_client.h"
#include "cache/item_protocol.h"
#include "json/json.h"
#include "lambda/events/common.h"
#include "lambda/events/dynamodb.h"
#include "lambda/events/http.h"
#include "lambda/runtime_api_server.h"
#include "local/trace_receiver.h"
#include "support/aarch64_emulation.h"
#include "support/dropping_proxy.h"
#include "support/process.h"
#include "support/servers.h"
#include "support/shared_servers.h"
#include "support/wait.h"
#include "tracing/segment.h"
#include "tracing/segment_format.h"

namespace {

using namespace streamcache;
using lambda::testing::Post;
using lambda::testing::QueuedInvocation;
using lambda::testing::RuntimeApiServer;
using streamcache::testing::Process;
using streamcache::testing::RedisServer;

constexpr const char* kTable = "items";

json::Value object(std::initializer_list<std::pair<std::string, json::Value>> members) {
  json::Value v(json::Object{});
  for (const auto& [k, m] : members)
    v.set(k, m);
  return v;
}

std::string http_event(std::string_view method, std::string_view path,
                       std::optional<std::string> body = std::nullopt,
                       std::string_view content_type = "application/json") {
  json::Value e = object(
      {{"version", "2.0"},
       {"routeKey", "$default"},
       {"rawPath", path},
       {"rawQueryString", ""},
       {"headers", object({{"content-type", content_type}})},
       {"requestContext",
        object({{"stage", "$default"}, {"http", object({{"method", method}, {"path", path}})}})},
       {"isBase64Encoded", false}});
  if (body) e.set("body", *body);
  return json::serialize(e);
}

// A Lambda DynamoDB stream record for item `id` (NEW_AND_OLD_IMAGES).
json::Value stream_record(std::string_view name, std::string_view seq, std::string_view id,
                          std::optional<std::string> new_image,
                          std::optional<std::string> old_image) {
  std::string d = R"({"Keys":{"id":{"S":")" + std::string(id) + R"("}},"SequenceNumber":")" +
                  std::string(seq) + R"(","SizeBytes":10,"StreamViewType":"NEW_AND_OLD_IMAGES")";
  if (new_image) d += R"(,"NewImage":)" + *new_image;
  if (old_image) d += R"(,"OldImage":)" + *old_image;
  d += "}";
  return *json::parse(R"({"eventID":"e","eventName":")" + std::string(name) +
                      R"(","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":)" + d +
                      "}");
}

std::string image(std::string_view id, int version, std::string_view name) {
  return R"({"id":{"S":")" + std::string(id) + R"("},"version":{"N":")" + std::to_string(version) +
         R"("},"name":{"S":")" + std::string(name) + "\"}}";
}

std::string batch(json::Array records) {
  return json::serialize(object({{"Records", json::Value(std::move(records))}}));
}

class Functions : public streamcache::testing::WithRedisAndMoto<Functions> {
 public:
  static void SetUpTestSuite() {
    log_dir_ = streamcache::testing::make_log_dir("functions");
    WithRedisAndMoto::SetUpTestSuite();
  }

 protected:
  void SetUp() override {
    reset_servers();
    auto client = aws::DynamoDbClient::from_env(fixed_env(moto_->aws_env()));
    ASSERT_TRUE(client) << client.error();
    dynamodb_ = std::make_unique<aws::DynamoDbClient>(std::move(*client));
    aws::CreateTableRequest create;
    create.table = kTable;
    create.hash_key = {"id", 'S'};
    create.stream = aws::StreamView::new_and_old_images;
    auto table = dynamodb_->create_table(create);
    ASSERT_TRUE(table) << table.error().describe();
  }

  void TearDown() override {
    if (HasFailure()) {
      for (auto& [name, p] : processes_)
        std::cerr << name << " log:\n" << p->log_tail() << "\n";
    }
    processes_.clear();  // before the Runtime API servers go away
  }

  // How to run `bootstrap`: itself, or (arm64) the bootstrap of that zip under qemu-user.
  static std::vector<std::string> command(const char* bootstrap) {
#ifdef STREAMCACHE_QEMU_AARCH64
    const std::filesystem::path zip(bootstrap);
    const streamcache::testing::Aarch64Emulation emulation{STREAMCACHE_QEMU_AARCH64,
                                                           STREAMCACHE_AARCH64_SYSROOT};
    return streamcache::testing::emulated_command(
        emulation, streamcache::testing::unzip_bootstrap(zip, log_dir_ / zip.stem()));
#else
    return {bootstrap};
#endif
  }

  void start(const std::string& name, const char* bootstrap, RuntimeApiServer& server,
             std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {{"AWS_LAMBDA_RUNTIME_API", server.endpoint()},
                                              {"AWS_LAMBDA_FUNCTION_NAME", name},
                                              {"TABLE_NAME", kTable},
                                              {"REDIS_URL", redis_->url()},
                                              {"LOG_LEVEL", "info"},
                                              {"AWS_MAX_ATTEMPTS", "2"}};
    for (const auto& [k, v] : moto_->aws_env())
      env[k] = v;
    for (const auto& [k, v] : extra)
      env[k] = v;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    processes_[name] = std::make_unique<Process>(
        Process::Options{.argv = command(bootstrap),
                         .log_file = log_dir_ / (std::string(info->name()) + "." + name + ".log"),
                         .env = std::move(env),
                         .working_dir = std::nullopt});
  }

  Post invoke(RuntimeApiServer& server, std::string payload) {
    std::string id = "req-" + std::to_string(++requests_);
    QueuedInvocation invocation;
    invocation.request_id = id;
    invocation.payload = std::move(payload);
    server.enqueue(std::move(invocation));
    auto post = server.wait_for_post(id);
    EXPECT_TRUE(post) << "no post for " << id;
    return post.value_or(Post{});
  }

  // Queues an invocation whose Lambda deadline is `timeout` from now; returns its request id.
  std::string enqueue(RuntimeApiServer& server, std::string payload,
                      std::chrono::milliseconds timeout) {
    std::string id = "req-" + std::to_string(++requests_);
    QueuedInvocation invocation;
    invocation.request_id = id;
    invocation.payload = std::move(payload);
    invocation.deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch() + timeout)
                                 .count();
    server.enqueue(std::move(invocation));
    return id;
  }

  // The batch response posted for `id`; the wait only bounds a hang, it is not a measurement.
  lambda::events::BatchResponse batch_response(RuntimeApiServer& server, const std::string& id) {
    auto post = server.wait_for_post(id, std::chrono::seconds(60));
    EXPECT_TRUE(post) << "no post for " << id;
    if (!post) return {};
    EXPECT_EQ(post->kind, Post::Kind::response) << post->body;
    auto response = lambda::events::parse_batch_response(post->body);
    EXPECT_TRUE(response) << post->body;
    return response ? *response : lambda::events::BatchResponse{};
  }

  // Whether a log line of invocation `id` of process `name` contains every one of `needles`.
  bool logged(const std::string& name, const std::string& id,
              std::initializer_list<std::string_view> needles) {
    const std::string log = processes_[name]->log_tail(1 << 22);
    const std::string request = "\"requestId\":\"" + id + "\"";
    std::size_t start = 0;
    while (start < log.size()) {
      std::size_t end = log.find('\n', start);
      if (end == std::string::npos) end = log.size();
      const std::string_view line(log.data() + start, end - start);
      bool all = line.find(request) != std::string_view::npos;
      for (std::string_view needle : needles)
        all = all && line.find(needle) != std::string_view::npos;
      if (all) return true;
      start = end + 1;
    }
    return false;
  }

  lambda::events::HttpResponse call(std::string event) {
    Post post = invoke(api_server_, std::move(event));
    EXPECT_EQ(post.kind, Post::Kind::response) << post.body;
    auto response = lambda::events::parse_http_response(post.body);
    EXPECT_TRUE(response) << post.body;
    return response ? *response : lambda::events::HttpResponse{};
  }

  // An API call whose invocation carries `trace_header` (Lambda-Runtime-Trace-Id).
  lambda::events::HttpResponse call_traced(std::string event, std::string trace_header) {
    std::string id = "req-" + std::to_string(++requests_);
    QueuedInvocation invocation;
    invocation.request_id = id;
    invocation.payload = std::move(event);
    invocation.trace_id = std::move(trace_header);
    api_server_.enqueue(std::move(invocation));
    auto post = api_server_.wait_for_post(id);
    EXPECT_TRUE(post && post->kind == Post::Kind::response) << (post ? post->body : "no post");
    if (!post) return {};
    auto response = lambda::events::parse_http_response(post->body);
    EXPECT_TRUE(response) << post->body;
    return response ? *response : lambda::events::HttpResponse{};
  }

  lambda::events::BatchResponse apply(std::string event) {
    Post post = invoke(stream_server_, std::move(event));
    EXPECT_EQ(post.kind, Post::Kind::response) << post.body;
    auto response = lambda::events::parse_batch_response(post.body);
    EXPECT_TRUE(response) << post.body;
    return response ? *response : lambda::events::BatchResponse{};
  }

  static std::string header(const lambda::events::HttpResponse& r, std::string_view name) {
    auto v = lambda::events::find_header(r.headers, name);
    return v ? std::string(*v) : std::string();
  }

  static inline std::filesystem::path log_dir_;
  std::unique_ptr<aws::DynamoDbClient> dynamodb_;
  RuntimeApiServer api_server_;
  RuntimeApiServer stream_server_;
  RuntimeApiServer monitor_server_;
  std::map<std::string, std::unique_ptr<Process>> processes_;
  int requests_ = 0;
};

TEST_F(Functions, StreamHandlerAppliesVersionsAndTombstones) {
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_);
  json::Array records;
  records.push_back(stream_record("INSERT", "100", "a", image("a", 5, "x"), {}));
  records.push_back(stream_record("MODIFY", "101", "a", image("a", 7, "y"), image("a", 5, "x")));
  records.push_back(stream_record("INSERT", "102", "b", image("b", 3, "z"), {}));
  records.push_back(stream_record("REMOVE", "103", "b", {}, image("b", 3, "z")));
  auto response = apply(batch(std::move(records)));
  EXPECT_TRUE(response.batch_item_failures.empty());
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("a")}),
            R"(I0000000000000007{"id":"a","name":"y","version":7})");
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("b")}), "T0000000000000004");

  // A replay of an older record is a no-op.
  json::Array replay;
  replay.push_back(stream_record("INSERT", "100", "a", image("a", 5, "x"), {}));
  EXPECT_TRUE(apply(batch(std::move(replay))).batch_item_failures.empty());
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("a")}),
            R"(I0000000000000007{"id":"a","name":"y","version":7})");
}

TEST_F(Functions, StreamHandlerReportsTheFirstRecordWhenRedisIsDownThenConverges) {
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_);
  auto make = [] {
    json::Array records;
    records.push_back(stream_record("INSERT", "200", "c", image("c", 1, "x"), {}));
    records.push_back(stream_record("INSERT", "201", "d", image("d", 2, "y"), {}));
    return batch(std::move(records));
  };
  redis_->kill();
  // A short budget: the handler retries inside the invocation until it is spent, then answers.
  auto failed =
      batch_response(stream_server_, enqueue(stream_server_, make(), std::chrono::seconds(3)));
  ASSERT_EQ(failed.batch_item_failures.size(), 1u);
  EXPECT_EQ(failed.batch_item_failures[0].item_identifier, "200");
  redis_->restart();
  // The connection backs off after failures: retry like Lambda would until the batch applies.
  bool converged =
      streamcache::testing::wait_until([&] { return apply(make()).batch_item_failures.empty(); },
                                       std::chrono::seconds(20), std::chrono::milliseconds(100));
  EXPECT_TRUE(converged);
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("d")}),
            R"(I0000000000000002{"id":"d","name":"y","version":2})");
}

// Issue 14: the mapping used to spend its 10 retries in seconds while Redis was down (each attempt
// failed within the connect timeout), then dropped the batch. Now one invocation rides out the
// outage until its budget is spent, and answers from the first record it could not apply.
TEST_F(Functions, StreamHandlerRidesOutARedisOutageLongerThanTheOldRetryPolicy) {
  // Durable, so what the cache held before the outage is still there after it.
  RedisServer durable(
      RedisServer::Options{.extra_args = {"--appendonly", "yes", "--appendfsync", "always"},
                           .plain_port = true,
                           .tls_port = false});
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_,
        {{"REDIS_URL", durable.url()}});
  json::Array seed;
  seed.push_back(stream_record("INSERT", "600", "a", image("a", 1, "old"), {}));
  seed.push_back(stream_record("INSERT", "601", "b", image("b", 1, "doomed"), {}));
  ASSERT_TRUE(apply(batch(std::move(seed))).batch_item_failures.empty());
  auto changes = [] {
    json::Array records;
    records.push_back(
        stream_record("MODIFY", "610", "a", image("a", 2, "new"), image("a", 1, "old")));
    records.push_back(stream_record("REMOVE", "611", "b", {}, image("b", 1, "doomed")));
    records.push_back(stream_record("INSERT", "612", "c", image("c", 1, "born"), {}));
    return batch(std::move(records));
  };
  durable.kill();

  // A short budget: the invocation answers with the first record, nothing is dropped.
  auto id = enqueue(stream_server_, changes(), std::chrono::seconds(3));
  auto failed = batch_response(stream_server_, id);
  ASSERT_EQ(failed.batch_item_failures.size(), 1u);
  EXPECT_EQ(failed.batch_item_failures[0].item_identifier, "610");

  // Delivered again with a long budget: Redis stays down through more attempts than the old
  // policy's whole life (1 + 10 deliveries, one attempt each), then comes back.
  id = enqueue(stream_server_, changes(), std::chrono::minutes(2));
  EXPECT_TRUE(streamcache::testing::wait_until(
      [&] {
        return logged("stream-handler", id,
                      {"cache unavailable; retrying the batch", "\"attempt\":\"11\""});
      },
      std::chrono::seconds(60)))
      << "the invocation did not retry while Redis was down";
  durable.restart();
  auto applied = batch_response(stream_server_, id);
  EXPECT_TRUE(applied.batch_item_failures.empty());
  // Every record applied: no pre-outage value, no resurrected delete.
  EXPECT_EQ(durable.cli({"GET", cache::item_key("a")}),
            R"(I0000000000000002{"id":"a","name":"new","version":2})");
  EXPECT_EQ(durable.cli({"GET", cache::item_key("b")}), "T0000000000000002");
  EXPECT_EQ(durable.cli({"GET", cache::item_key("c")}),
            R"(I0000000000000001{"id":"c","name":"born","version":1})");
}

// A paused Redis accepts connects (the kernel's backlog) and never answers: every attempt ends in
// a timeout cut to the budget, and the invocation still answers; resumed in time, it applies.
TEST_F(Functions, StreamHandlerAnswersWithinItsBudgetWhileRedisIsPausedThenApplies) {
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_);
  json::Array seed;
  seed.push_back(stream_record("INSERT", "700", "p", image("p", 1, "old"), {}));
  ASSERT_TRUE(apply(batch(std::move(seed))).batch_item_failures.empty());  // a kept connection
  auto changes = [] {
    json::Array records;
    records.push_back(
        stream_record("MODIFY", "710", "p", image("p", 2, "new"), image("p", 1, "old")));
    records.push_back(stream_record("INSERT", "711", "q", image("q", 1, "born"), {}));
    return batch(std::move(records));
  };
  redis_->pause();
  auto id = enqueue(stream_server_, changes(), std::chrono::seconds(4));
  auto failed = batch_response(stream_server_, id);  // it answers: the budget ends the attempts
  ASSERT_EQ(failed.batch_item_failures.size(), 1u);
  EXPECT_EQ(failed.batch_item_failures[0].item_identifier, "710");

  id = enqueue(stream_server_, changes(), std::chrono::minutes(2));
  EXPECT_TRUE(streamcache::testing::wait_until(
      [&] {
        return logged("stream-handler", id,
                      {"cache unavailable; retrying the batch", "\"attempt\":\"2\""});
      },
      std::chrono::seconds(60)))
      << "the invocation did not retry while Redis was paused";
  redis_->resume();
  EXPECT_TRUE(batch_response(stream_server_, id).batch_item_failures.empty());
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("p")}),
            R"(I0000000000000002{"id":"p","name":"new","version":2})");
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("q")}),
            R"(I0000000000000001{"id":"q","name":"born","version":1})");
}

// An error that will not heal is not an outage: the record is reported at once (not after the
// 108 s budget), logged with its key and reason, after one round trip; the others are applied.
TEST_F(Functions, StreamHandlerReportsAWrongTypeKeyAtOnceAndAppliesTheRest) {
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_);
  ASSERT_EQ(redis_->cli({"RPUSH", cache::item_key("w"), "not-an-item"}), "1");
  json::Array records;
  records.push_back(stream_record("INSERT", "800", "a", image("a", 1, "x"), {}));
  records.push_back(stream_record("INSERT", "801", "w", image("w", 1, "y"), {}));
  records.push_back(stream_record("INSERT", "802", "z", image("z", 1, "z"), {}));
  auto id = enqueue(stream_server_, batch(std::move(records)), std::chrono::minutes(2));
  auto response = batch_response(stream_server_, id);
  ASSERT_EQ(response.batch_item_failures.size(), 1u);
  EXPECT_EQ(response.batch_item_failures[0].item_identifier, "801");
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("a")}),
            R"(I0000000000000001{"id":"a","name":"x","version":1})");
  EXPECT_EQ(redis_->cli({"GET", cache::item_key("z")}),
            R"(I0000000000000001{"id":"z","name":"z","version":1})");
  EXPECT_EQ(redis_->cli({"LRANGE", cache::item_key("w"), "0", "-1"}), "not-an-item");
  EXPECT_TRUE(logged(
      "stream-handler", id,
      {"\"level\":\"ERROR\"", "\"sequenceNumber\":\"801\"", "\"key\":\"item:{w}\"", "WRONGTYPE"}))
      << processes_["stream-handler"]->log_tail();
  EXPECT_FALSE(logged("stream-handler", id, {"retrying the batch"}));
  std::string log = processes_["stream-handler"]->log_tail(1 << 20);
  EXPECT_NE(log.find(R"("PermanentFailures":1,"RedisAttempts":1,)"), std::string::npos) << log;
}

TEST_F(Functions, StreamHandlerAppliesASixMegabyteBatch) {
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_);
  json::Array records;
  std::string padding(60 * 1024, 'p');
  for (int i = 0; i < 100; ++i) {
    std::string id = "big" + std::to_string(i);
    records.push_back(stream_record("INSERT", std::to_string(500 + i), id,
                                    image(id, i + 1, padding), std::nullopt));
  }
  std::string event = batch(std::move(records));
  ASSERT_GT(event.size(), 6'000'000u);
  EXPECT_TRUE(apply(std::move(event)).batch_item_failures.empty());
  EXPECT_EQ(redis_->cli({"DBSIZE"}), "100");
  std::string body = R"({"id":"big99","name":")" + padding + R"(","version":100})";
  EXPECT_EQ(redis_->cli({"STRLEN", cache::item_key("big99")}),
            std::to_string(cache::kHeaderSize + body.size()));
}

TEST_F(Functions, ApiCrudWithReadAfterWriteFromTheCache) {
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_);
  auto created = call(http_event("POST", "/items", R"({"id":"k1","name":"first"})"));
  ASSERT_EQ(created.status_code, 201) << created.body;
  auto read = call(http_event("GET", "/items/k1"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");

  auto put = call(http_event("PUT", "/items/k1", R"({"name":"second"})"));
  ASSERT_EQ(put.status_code, 200) << put.body;
  auto patched = call(
      http_event("PATCH", "/items/k1", R"({"extra":[1,2.50]})", "application/merge-patch+json"));
  ASSERT_EQ(patched.status_code, 200) << patched.body;
  auto after = call(http_event("GET", "/items/k1"));
  EXPECT_EQ(after.body, patched.body);
  EXPECT_EQ(header(after, "cache-status"), "streamcache; hit");

  // The table holds the same item (read through a miss after flushing the cache).
  (void)redis_->cli({"FLUSHALL"});
  auto miss = call(http_event("GET", "/items/k1"));
  EXPECT_EQ(miss.body, patched.body);
  EXPECT_EQ(header(miss, "cache-status"), "streamcache; fwd=miss; stored");

  auto list = call(http_event("GET", "/items"));
  ASSERT_EQ(list.status_code, 200) << list.body;
  EXPECT_NE(list.body.find("\"k1\""), std::string::npos);

  EXPECT_EQ(call(http_event("DELETE", "/items/k1")).status_code, 204);
  auto gone = call(http_event("GET", "/items/k1"));
  EXPECT_EQ(gone.status_code, 404);
  EXPECT_EQ(header(gone, "cache-status"), "streamcache; hit");  // the tombstone
  EXPECT_EQ(call(http_event("DELETE", "/items/k1")).status_code, 404);
  EXPECT_EQ(call(http_event("POST", "/items", R"({"id":"k2"})")).status_code, 201);
  EXPECT_EQ(call(http_event("POST", "/items", R"({"id":"k2"})")).status_code, 409);

  // One EMF line per invocation; the cache hit above was counted.
  std::string log = processes_["api"]->log_tail(1 << 20);
  EXPECT_NE(log.find(R"("Namespace":"streamcache","Dimensions":[["FunctionName"]])"),
            std::string::npos);
  EXPECT_NE(log.find(R"("FunctionName":"api","CacheHits":1,)"), std::string::npos);
}

TEST_F(Functions, ApiServesFromDynamoDbWhileRedisIsDown) {
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_);
  redis_->kill();
  auto created = call(http_event("POST", "/items", R"({"id":"r1","v":1})"));
  ASSERT_EQ(created.status_code, 201) << created.body;
  auto read = call(http_event("GET", "/items/r1"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; fwd=miss; detail=cache-unavailable");
  redis_->restart();
  bool stored = streamcache::testing::wait_until(
      [&] {
        return header(call(http_event("GET", "/items/r1")), "cache-status") ==
               "streamcache; fwd=miss; stored";
      },
      std::chrono::seconds(20), std::chrono::milliseconds(100));
  EXPECT_TRUE(stored);
  EXPECT_EQ(header(call(http_event("GET", "/items/r1")), "cache-status"), "streamcache; hit");
}

// A DynamoDB endpoint that accepts and never answers (a kept-alive socket that died while the
// sandbox was frozen looks the same): the invocation answers 503 + Retry-After before its
// deadline, instead of running into a Lambda timeout, and the next request works.
TEST_F(Functions, ApiAnswers503WithRetryAfterBeforeItsDeadlineWhenDynamoDbStalls) {
  streamcache::testing::DroppingProxy proxy("127.0.0.1", moto_->port());
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_, {{"AWS_ENDPOINT_URL", proxy.endpoint()}});
  proxy.stall(true);
  QueuedInvocation invocation;
  invocation.request_id = "stalled";
  invocation.payload = http_event("POST", "/items", R"({"id":"s1","v":1})");
  const auto budget = std::chrono::seconds(3);  // the API keeps max(500 ms, 10 %) to answer
  invocation.deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               (std::chrono::system_clock::now() + budget).time_since_epoch())
                               .count();
  api_server_.enqueue(std::move(invocation));
  auto post = api_server_.wait_for_post("stalled");
  // No timing threshold: the 503 is only produced by the spent budget (the old code never
  // answered).
  ASSERT_TRUE(post) << "no answer: the invocation is still waiting on the stalled endpoint";
  ASSERT_EQ(post->kind, Post::Kind::response) << post->body;
  auto answer = lambda::events::parse_http_response(post->body);
  ASSERT_TRUE(answer) << post->body;
  EXPECT_EQ(answer->status_code, 503) << answer->body;
  EXPECT_EQ(header(*answer, "retry-after"), "1");
  EXPECT_EQ(header(*answer, "content-type"), "application/problem+json");
  EXPECT_NE(answer->body.find(R"("status":503)"), std::string::npos) << answer->body;
  EXPECT_GE(proxy.stalled(), 1);

  proxy.stall(false);  // healthy again: pass-through to moto_server
  auto created = call(http_event("POST", "/items", R"({"id":"s1","v":1})"));
  EXPECT_EQ(created.status_code, 201) << created.body;
  auto read = call(http_event("GET", "/items/s1"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(read.body, created.body);
}

TEST_F(Functions, DirectTableUpdateReachesTheCacheThroughTheStreamHandler) {
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_);
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_);
  auto created = call(http_event("POST", "/items", R"({"id":"s1","name":"api"})"));
  ASSERT_EQ(created.status_code, 201);
  // Another tool writes the table directly, keeping the version rule.
  aws::PutItemRequest put;
  put.table = kTable;
  put.item = {{"id", aws::AttributeValue::string("s1")},
              {"version", aws::AttributeValue::number("9007199254740000")},
              {"name", aws::AttributeValue::string("tool")}};
  ASSERT_TRUE(dynamodb_->put_item(put));
  // Its stream record, as the event source mapping would deliver it.
  json::Array records;
  records.push_back(stream_record("MODIFY", "300", "s1",
                                  R"({"id":{"S":"s1"},"version":{"N":"9007199254740000"},)"
                                  R"("name":{"S":"tool"}})",
                                  std::nullopt));
  EXPECT_TRUE(apply(batch(std::move(records))).batch_item_failures.empty());
  auto read = call(http_event("GET", "/items/s1"));
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
  EXPECT_EQ(read.body, R"({"id":"s1","name":"tool","version":9007199254740000})");
}

TEST_F(Functions, RedisAuthTokenComesFromSecretsManager) {
  RedisServer secured(RedisServer::Options{
      .extra_args = {"--requirepass", "s3cret-token"}, .plain_port = true, .tls_port = false});
  auto service = aws::secrets_manager_service();
  auto config = aws::load_client_config(fixed_env(moto_->aws_env()), service);
  ASSERT_TRUE(config) << config.error();
  aws::ServiceClient secrets(service, std::move(*config));
  auto created =
      secrets.call("CreateSecret", R"({"Name":"redis-auth","SecretString":"s3cret-token"})");
  ASSERT_TRUE(created) << created.error().describe();
  std::string arn(created->get_string("ARN").value_or(""));
  ASSERT_FALSE(arn.empty());
  std::map<std::string, std::string> env = {{"REDIS_URL", secured.url()},
                                            {"REDIS_AUTH_SECRET_ARN", arn}};
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_, env);
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_, env);
  json::Array records;
  records.push_back(stream_record("INSERT", "400", "z", image("z", 3, "secret"), {}));
  EXPECT_TRUE(apply(batch(std::move(records))).batch_item_failures.empty());
  auto read = call(http_event("GET", "/items/z"));
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
  EXPECT_EQ(read.body, R"({"id":"z","name":"secret","version":3})");
}

TEST_F(Functions, WarmInstancesReReadARotatedAuthToken) {
  RedisServer secured(RedisServer::Options{.extra_args = {"--requirepass", "old-token-0123456789"},
                                           .plain_port = true,
                                           .tls_port = false});
  auto service = aws::secrets_manager_service();
  auto config = aws::load_client_config(fixed_env(moto_->aws_env()), service);
  ASSERT_TRUE(config) << config.error();
  aws::ServiceClient secrets(service, std::move(*config));
  auto created = secrets.call("CreateSecret",
                              R"({"Name":"redis-rotated","SecretString":"old-token-0123456789"})");
  ASSERT_TRUE(created) << created.error().describe();
  std::string arn(created->get_string("ARN").value_or(""));
  std::map<std::string, std::string> env = {{"REDIS_URL", secured.url()},
                                            {"REDIS_AUTH_SECRET_ARN", arn}};
  start("stream-handler", STREAMCACHE_STREAM_HANDLER_BOOTSTRAP, stream_server_, env);
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_, env);
  json::Array first;
  first.push_back(stream_record("INSERT", "500", "rot", image("rot", 1, "before"), {}));
  ASSERT_TRUE(apply(batch(std::move(first))).batch_item_failures.empty());

  // The rotation's end state: only the new token is valid, the secret holds it, and the warm
  // instances' connections are gone (ElastiCache's SET strategy, then a failover or idle close).
  auto put = secrets.call("PutSecretValue",
                          R"({"SecretId":")" + arn + R"(","SecretString":"new-token-9876543210"})");
  ASSERT_TRUE(put) << put.error().describe();
  const std::vector<std::string> auth = {"-a", "old-token-0123456789", "--no-auth-warning"};
  auto with_auth = [&](std::vector<std::string> args) {
    args.insert(args.begin(), auth.begin(), auth.end());
    return secured.cli(args);
  };
  ASSERT_EQ(with_auth({"CONFIG", "SET", "requirepass", "new-token-9876543210"}), "OK");
  (void)secured.cli(
      {"-a", "new-token-9876543210", "--no-auth-warning", "CLIENT", "KILL", "TYPE", "normal"});

  json::Array second;
  second.push_back(
      stream_record("MODIFY", "600", "rot", image("rot", 2, "after"), image("rot", 1, "before")));
  EXPECT_TRUE(apply(batch(std::move(second))).batch_item_failures.empty());
  auto read = call(http_event("GET", "/items/rot"));
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
  EXPECT_EQ(read.body, R"({"id":"rot","name":"after","version":2})");
}

TEST_F(Functions, BadConfigurationIsAnInitError) {
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_, {{"CACHE_TTL_SECONDS", "soon"}});
  auto error = api_server_.wait_for_init_error();
  ASSERT_TRUE(error);
  EXPECT_NE(error->body.find("CACHE_TTL_SECONDS=soon"), std::string::npos) << error->body;
}

// ---- The consistency monitor (docs/monitor.md) ----

TEST_F(Functions, MonitorReportsACorruptedEntryInItsMetricsAndLogs) {
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_);
  ASSERT_EQ(call(http_event("POST", "/items", R"({"id":"m1","name":"kept"})")).status_code, 201);
  auto created = call(http_event("POST", "/items", R"({"id":"m2","name":"real"})"));
  ASSERT_EQ(created.status_code, 201) << created.body;
  const auto version = json::parse(created.body)->get_int("version");
  ASSERT_TRUE(version) << created.body;
  const std::string table_version = std::to_string(*version);
  const std::string forged = std::to_string(*version + 1);
  std::string entry = "I" + std::string(16 - forged.size(), '0') + forged;
  entry += R"({"id":"m2","name":"forged","version":)" + forged + "}";
  (void)redis_->cli({"SET", cache::item_key("m2"), entry});

  start("monitor", STREAMCACHE_MONITOR_BOOTSTRAP, monitor_server_,
        {{"MONITOR_SAMPLE_SIZE", "200"}, {"MONITOR_GRACE_SECONDS", "0"}});
  Post post = invoke(monitor_server_, R"({"source":"aws.scheduler"})");
  ASSERT_EQ(post.kind, Post::Kind::response) << post.body;
  EXPECT_NE(post.body.find(R"("checked":2)"), std::string::npos) << post.body;
  EXPECT_NE(post.body.find(R"("inconsistent":1)"), std::string::npos) << post.body;
  EXPECT_TRUE(
      logged("monitor", "req-" + std::to_string(requests_),
             {R"("id":"m2")", R"("rule":"item-ahead-of-table")",
              "\"cacheVersion\":\"" + forged + "\"", "\"tableVersion\":\"" + table_version + "\""}))
      << processes_["monitor"]->log_tail();
  const std::string log = processes_["monitor"]->log_tail(1 << 20);
  EXPECT_NE(log.find(R"("CacheEntriesChecked":2)"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("CacheEntriesInconsistent":1)"), std::string::npos) << log;
}

TEST_F(Functions, MonitorRefusesABadSampleSizeAtInit) {
  start("monitor", STREAMCACHE_MONITOR_BOOTSTRAP, monitor_server_,
        {{"MONITOR_SAMPLE_SIZE", "lots"}});
  auto error = monitor_server_.wait_for_init_error();
  ASSERT_TRUE(error);
  EXPECT_NE(error->body.find("MONITOR_SAMPLE_SIZE=lots is not valid"), std::string::npos)
      << error->body;
}

// The local stack's X-Ray daemon stand-in (streamcache-local's receiver) on an io thread of its
// own, recording into a file of the test's.
class LocalTraceReceiver {
 public:
  explicit LocalTraceReceiver(std::filesystem::path file) : file_(std::move(file)) {
    std::filesystem::remove(file_);
    receiver_ = std::make_unique<local::TraceReceiver>(io_, file_);
    auto opened = receiver_->open();
    EXPECT_TRUE(opened) << opened.error();
    receiver_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LocalTraceReceiver() {
    boost::asio::post(io_, [this] { receiver_->stop(); });
    thread_.join();
  }
  [[nodiscard]] std::string address() const { return receiver_->address(); }
  // Every complete line recorded so far, parsed (a line being written is left for later).
  [[nodiscard]] std::vector<json::Value> documents() const {
    std::ifstream in(file_, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<json::Value> out;
    for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      auto v = json::parse(std::string_view(text).substr(start, end - start));
      EXPECT_TRUE(v) << text.substr(start, end - start);
      if (v) out.push_back(std::move(*v));
    }
    return out;
  }

 private:
  std::filesystem::path file_;
  boost::asio::io_context io_;
  std::unique_ptr<local::TraceReceiver> receiver_;
  std::thread thread_;
};

double epoch_now() {
  return tracing::epoch_seconds(std::chrono::system_clock::now());
}

std::string annotation(const json::Value& doc, std::string_view key) {
  const json::Value* a = doc.find("annotations");
  const json::Value* v = a != nullptr ? a->find(key) : nullptr;
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

TEST_F(Functions, ApiSendsSubsegmentsOfSampledInvocationsOnlyToTheDaemon) {
  using tracing::testing::format_violations;
  using tracing::testing::number_of;
  LocalTraceReceiver traces(log_dir_ / "ApiSendsSubsegments.traces.jsonl");
  start("api", STREAMCACHE_API_BOOTSTRAP, api_server_,
        {{"AWS_XRAY_DAEMON_ADDRESS", traces.address()}});
  const std::string unsampled = "1-5759e988-00000000000000000000000a";
  auto created = call_traced(http_event("POST", "/items", R"({"id":"k1","name":"first"})"),
                             "Root=" + unsampled + ";Parent=1111111111111111;Sampled=0");
  ASSERT_EQ(created.status_code, 201) << created.body;
  (void)redis_->cli({"FLUSHALL"});  // the traced read misses, reads the table and fills

  const std::string root = "1-5759e988-bd862e3fe1be46a994272793";
  const std::string parent = "53995c3f42cd8ad8";
  const double before = epoch_now();
  auto miss = call_traced(http_event("GET", "/items/k1"),
                          "Root=" + root + ";Parent=" + parent + ";Sampled=1");
  const double after = epoch_now();
  EXPECT_EQ(header(miss, "cache-status"), "streamcache; fwd=miss; stored");
  // Redis get (miss), DynamoDB GetItem, Redis fill: one datagram each, in order on loopback.
  ASSERT_TRUE(streamcache::testing::wait_until([&] { return traces.documents().size() >= 3; }))
      << traces.documents().size() << " documents";
  auto docs = traces.documents();
  ASSERT_EQ(docs.size(), 3u);
  for (const auto& doc : docs) {
    EXPECT_EQ(format_violations(doc), std::vector<std::string>{}) << json::serialize(doc);
    EXPECT_EQ(doc.get_string("trace_id"), root);
    EXPECT_EQ(doc.get_string("parent_id"), parent);  // the function segment Lambda created
    EXPECT_EQ(doc.get_string("type"), "subsegment");
    EXPECT_EQ(annotation(doc, "item_id"), "k1");
    EXPECT_LE(before, number_of(*doc.find("start_time")));
    EXPECT_LE(number_of(*doc.find("start_time")), number_of(*doc.find("end_time")));
    EXPECT_LE(number_of(*doc.find("end_time")), after);
  }
  const json::Value& get = docs[0];
  const json::Value& read = docs[1];
  const json::Value& fill = docs[2];
  EXPECT_EQ(get.get_string("name"), "Redis");
  EXPECT_EQ(get.get_string("namespace"), "remote");
  EXPECT_EQ(annotation(get, "cache_op"), "get");
  EXPECT_EQ(annotation(get, "cache_outcome"), "miss");
  EXPECT_EQ(read.get_string("name"), "DynamoDB");
  EXPECT_EQ(read.get_string("namespace"), "aws");
  ASSERT_NE(read.find("aws"), nullptr);
  EXPECT_EQ(read.find("aws")->get_string("operation"), "GetItem");
  EXPECT_EQ(read.find("aws")->get_string("table_name"), kTable);
  EXPECT_EQ(read.find("aws")->get_int("retries"), 0);
  EXPECT_EQ(annotation(fill, "cache_op"), "apply_if_newer");
  EXPECT_EQ(annotation(fill, "cache_outcome"), "applied");
  // One after the other, as the read path runs them.
  EXPECT_LE(number_of(*get.find("end_time")), number_of(*read.find("start_time")));
  EXPECT_LE(number_of(*read.find("end_time")), number_of(*fill.find("start_time")));

  const std::string root2 = "1-5759e989-bd862e3fe1be46a994272794";
  auto hit = call_traced(http_event("GET", "/items/k1"),
                         "Root=" + root2 + ";Parent=" + parent + ";Sampled=1");
  EXPECT_EQ(header(hit, "cache-status"), "streamcache; hit");
  ASSERT_TRUE(streamcache::testing::wait_until([&] { return traces.documents().size() >= 4; }));
  docs = traces.documents();
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[3].get_string("trace_id"), root2);
  EXPECT_EQ(annotation(docs[3], "cache_outcome"), "hit");
  // The unsampled write, sent before the traced reads, left nothing.
  for (const auto& doc : docs)
    EXPECT_NE(doc.get_string("trace_id"), unsampled);
}

}  // namespace
