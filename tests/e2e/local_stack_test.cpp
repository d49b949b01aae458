// The whole local stack, started exactly as `./dev run --detach` starts it (tools/local-stack.sh),
// driven over HTTP only: the API through streamcache-local's gateway, DynamoDB through moto's
// endpoint (as another tool would change the table), Redis through redis-cli. Faults are real:
// redis-server is killed and started again, moto_server is frozen with SIGSTOP.
// STREAMCACHE_E2E_CACHE=cluster (a second CTest registration) runs the same tests on
// `--cache cluster`, a Redis Cluster of three primaries and three replicas, where the Redis
// outage is a shard's primary killed and its replica promoted.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "aws/dynamodb.h"
#include "http/client.h"
#include "json/json.h"
#include "support/process.h"
#include "support/wait.h"

namespace {

using namespace streamcache;
using streamcache::testing::Process;
using streamcache::testing::run_shell;
using streamcache::testing::ShellResult;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The API function's timeout in the test's stack config: short, so the frozen-DynamoDB case is
// quick.
constexpr int kApiTimeoutSeconds = 3;
// tools/local-stack.sh's cluster: six nodes on consecutive ports, each with its bus at +10000.
constexpr int kClusterNodes = 6;
constexpr int kClusterBusOffset = 10000;

bool cluster_mode() {
  const char* mode = std::getenv("STREAMCACHE_E2E_CACHE");
  return mode != nullptr && std::string_view(mode) == "cluster";
}

bool in_cluster_ports(int port, int base) {
  return (port >= base && port < base + kClusterNodes) ||
         (port >= base + kClusterBusOffset && port < base + kClusterBusOffset + kClusterNodes);
}

// A first port for the cluster: it, the five after it and their bus ports can be bound. All
// twelve sit below the kernel's ephemeral range (32768 up by default), where every other test's
// free_port() and every outgoing connection takes its ports, so none can take them meanwhile.
int free_cluster_base_port() {
  constexpr int kLowest = 11000;
  constexpr int kHighest = 32768 - kClusterBusOffset - kClusterNodes;  // bus ports stay below too
  const int start = kLowest + static_cast<int>(::getpid() % (kHighest - kLowest));
  for (int offset = 0; offset < kHighest - kLowest; offset += kClusterNodes) {
    const int base = kLowest + (start - kLowest + offset) % (kHighest - kLowest);
    bool free = true;
    for (int i = 0; i < kClusterNodes && free; ++i) {
      free = streamcache::testing::port_bindable(base + i) &&
             streamcache::testing::port_bindable(base + kClusterBusOffset + i);
    }
    if (free) return base;
  }
  throw std::runtime_error("no six consecutive free ports with free bus ports below 32768");
}

// A free port outside the cluster's ports (when there is a cluster).
int free_port_besides(int cluster_base) {
  int port = streamcache::testing::free_port();
  while (cluster_base != 0 && in_cluster_ports(port, cluster_base)) {
    port = streamcache::testing::free_port();
  }
  return port;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

pid_t read_pid(const fs::path& file) {
  std::string text = read_file(file);
  return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

class LocalStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = cluster_mode();
    dir_ = streamcache::testing::make_log_dir(cluster_ ? "e2e_local_stack_cluster"
                                                       : "e2e_local_stack");
    redis_port_ = cluster_ ? free_cluster_base_port() : streamcache::testing::free_port();
    entry_port_ = redis_port_;
    api_port_ = free_port_besides(cluster_ ? redis_port_ : 0);
    dynamodb_port_ = free_port_besides(cluster_ ? redis_port_ : 0);
    write_test_config();
    const ShellResult started = run_shell(
        "bash " + source("tools/local-stack.sh").string() + " run --detach --api-port " +
        std::to_string(api_port_) + " --dynamodb-port " + std::to_string(dynamodb_port_) +
        " --redis-port " + std::to_string(redis_port_) + " --cache " +
        (cluster_ ? "cluster" : "single") + " --state-dir " + dir_.string() + " --build-dir " +
        STREAMCACHE_BUILD_DIR + " --config " + (dir_ / "stack.json").string());
    started_ = started.status == 0;
    start_output_ = started.output;
  }

  static void TearDownTestSuite() {
    restarted_redis_.reset();
    if (paused_node_ > 0) ::kill(paused_node_, SIGCONT);
    (void)run_shell("bash " + source("tools/local-stack.sh").string() + " stop --state-dir " +
                    dir_.string());
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << "the local stack did not start:\n" << start_output_;
    ASSERT_TRUE(fs::exists(dir_ / "stack.env"));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- streamcache-local log (tail) ---\n" << tail(dir_ / "logs" / "local.log");
    }
  }

  static fs::path source(const std::string& relative) {
    return fs::path(STREAMCACHE_SOURCE_DIR) / relative;
  }

  static std::string tail(const fs::path& file, std::size_t bytes = 6000) {
    std::string text = read_file(file);
    return text.size() > bytes ? text.substr(text.size() - bytes) : text;
  }

  // local/stack.json with the API's timeout shortened for the timeout case.
  static void write_test_config() {
    auto config = json::parse(read_file(source("local/stack.json")));
    ASSERT_TRUE(config) << "local/stack.json: " << config.error().message;
    json::Value* api = config->find("api");
    ASSERT_NE(api, nullptr);
    api->set("timeout", json::Value::integer(kApiTimeoutSeconds));
    std::ofstream(dir_ / "stack.json") << json::serialize(*config);
  }

  static http::Response request(const std::string& method, const std::string& target,
                                const std::string& body = "",
                                const std::string& content_type = "application/json",
                                http::Headers headers = {}) {
    http::ClientOptions options;
    options.request_timeout = 30s;
    http::Client client(http::Url{"http", "127.0.0.1", static_cast<std::uint16_t>(api_port_), ""},
                        options);
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) headers.push_back({"content-type", content_type});
    r.headers = std::move(headers);
    auto response = client.send(r);
    if (!response) {
      ADD_FAILURE() << method << " " << target << ": " << response.error().message;
      return {};
    }
    return *response;
  }

  static std::string header(const http::Response& r, std::string_view name) {
    return std::string(r.header(name).value_or(""));
  }

  static json::Value body_of(const http::Response& r) {
    auto parsed = json::parse(r.body);
    return parsed ? std::move(*parsed) : json::Value(nullptr);
  }

  // A DynamoDB client on moto's endpoint: changes made "by another tool", not through the API.
  static aws::DynamoDbClient dynamodb() {
    auto client = aws::DynamoDbClient::from_env(
        fixed_env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(dynamodb_port_)},
                   {"AWS_REGION", "us-east-1"},
                   {"AWS_ACCESS_KEY_ID", "testing"},
                   {"AWS_SECRET_ACCESS_KEY", "testing"}}));
    if (!client) throw std::runtime_error(client.error());
    return std::move(*client);
  }

  static std::string table_name() {
    std::string env = read_file(dir_ / "stack.env");
    const std::string key = "TABLE_NAME=";
    const auto at = env.find(key);
    if (at == std::string::npos) return {};
    const auto end = env.find('\n', at);
    return env.substr(at + key.size(), end - at - key.size());
  }

  // Sets `name` and bumps the version by one directly in the table, as another tool would.
  static void update_in_table(const std::string& id, const std::string& name) {
    auto client = dynamodb();
    aws::UpdateItemRequest update;
    update.table = table_name();
    update.key = {{"id", aws::AttributeValue::string(id)}};
    update.update_expression = "SET #n = :n, #v = #v + :one";
    update.conditions.names = {{"#n", "name"}, {"#v", "version"}};
    update.conditions.values = {{":n", aws::AttributeValue::string(name)},
                                {":one", aws::AttributeValue::number("1")}};
    auto done = client.update_item(update);
    ASSERT_TRUE(done) << done.error().describe();
  }

  // On a cluster, -c follows the MOVED redirections to the node that serves the key.
  static std::string redis_cli(const std::vector<std::string>& args, int port = 0) {
    std::string command = "redis-cli -h 127.0.0.1 -p " + std::to_string(port ? port : entry_port_);
    if (cluster_ && port == 0) command += " -c";
    for (const auto& a : args)
      command += " '" + a + "'";
    return run_shell(command).output;
  }

  // The port of the cluster primary that serves `key` now: any node either answers for it or
  // redirects to it (a replica always redirects).
  static int primary_port_of(const std::string& key) {
    const std::string reply = redis_cli({"GET", key}, entry_port_);
    if (reply.find("MOVED ") == std::string::npos) return entry_port_;
    return std::stoi(reply.substr(reply.rfind(':') + 1));
  }

  // ROLE's first line: master or slave; and the port of a replica's primary (else 0).
  static std::pair<std::string, int> role_of(int port) {
    const auto role = lines_of(redis_cli({"ROLE"}, port));
    if (role.size() >= 3 && role[0] == "slave") return {role[0], std::stoi(role[2])};
    return {role.empty() ? "" : role[0], 0};
  }

  static pid_t cluster_node_pid(int port) {
    return read_pid(dir_ / ("redis-" + std::to_string(port - redis_port_ + 1) + ".pid"));
  }

  static std::string create(const std::string& id, const std::string& name) {
    auto r = request("POST", "/items", R"({"id":")" + id + R"(","name":")" + name + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return header(r, "etag");
  }

  static inline fs::path dir_;
  static inline int api_port_ = 0;
  static inline int dynamodb_port_ = 0;
  static inline int redis_port_ = 0;
  static inline int entry_port_ = 0;  // the node redis-cli asks first: one that is up
  static inline bool started_ = false;
  static inline bool cluster_ = false;
  static inline pid_t paused_node_ = -1;  // a cluster replica frozen by the outage test
  static inline std::string start_output_;
  static inline std::unique_ptr<Process> restarted_redis_;
};

TEST_F(LocalStack, CrudThroughTheApi) {
  auto created = request("POST", "/items", R"({"id":"crud-1","name":"lamp","price":19.90})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(header(created, "location"), "/items/crud-1");
  EXPECT_EQ(body_of(created).get_string("name").value_or(""), "lamp");

  auto read = request("GET", "/items/crud-1");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(header(read, "etag"), header(created, "etag"));
  EXPECT_NE(read.body.find(R"("price":19.9,)"), std::string::npos)
      << "numbers come back in DynamoDB's canonical text";

  auto replaced = request("PUT", "/items/crud-1", R"({"name":"desk lamp"})", "application/json",
                          {{"if-match", header(read, "etag")}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(body_of(replaced).find("price"), nullptr) << "PUT replaces the whole document";

  auto patched =
      request("PATCH", "/items/crud-1", R"({"color":"red"})", "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(body_of(patched).get_string("color").value_or(""), "red");

  auto stale = request("PUT", "/items/crud-1", R"({"name":"x"})", "application/json",
                       {{"if-match", header(read, "etag")}});
  EXPECT_EQ(stale.status, 412) << stale.body;

  auto listed = request("GET", "/items?limit=100");
  ASSERT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("crud-1"), std::string::npos);

  ASSERT_EQ(request("DELETE", "/items/crud-1").status, 204);
  auto gone = request("GET", "/items/crud-1");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(header(gone, "content-type"), "application/problem+json");
  EXPECT_EQ(request("DELETE", "/items/crud-1").status, 404);
  EXPECT_EQ(request("GET", "/nothing-here").status, 404);
  EXPECT_EQ(request("POST", "/items", "{not json").status, 400);
}

// docs/api.md through the local gateway: its only route is $default (local/stack.json, like
// Terraform's HTTP API), so the function answers what a route list would have turned into the
// gateway's plain 404: wrong methods, trailing slashes, unknown paths.
TEST_F(LocalStack, EveryRequestReachesTheFunction) {
  std::set<std::string> ids;
  auto problem = [&](const http::Response& r, int status, const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(header(r, "content-type"), "application/problem+json") << what << ": " << r.body;
    EXPECT_EQ(body_of(r).get_int("status").value_or(0), status) << what << ": " << r.body;
    EXPECT_TRUE(ids.insert(header(r, "apigw-requestid")).second)
        << what << ": no apigw-requestid, or a repeated one";
  };
  auto wrong_method = request("DELETE", "/items");
  problem(wrong_method, 405, "DELETE /items");
  EXPECT_EQ(header(wrong_method, "allow"), "GET, POST");
  auto wrong_item_method = request("POST", "/items/slash-1");
  problem(wrong_item_method, 405, "POST /items/slash-1");
  EXPECT_EQ(header(wrong_item_method, "allow"), "DELETE, GET, PATCH, PUT");
  problem(request("GET", "/nope"), 404, "GET /nope");
  EXPECT_EQ(body_of(request("GET", "/nope")).get_string("detail").value_or(""),
            "no route for /nope");
  // The local stage is $default, where /prod is a path like any other: the function's 404.
  problem(request("GET", "/prod/items"), 404, "GET /prod/items");
  problem(request("GET", "/"), 404, "GET /");

  auto created = request("POST", "/items/", R"({"id":"slash-1","name":"trailing"})");
  EXPECT_EQ(created.status, 201) << "POST /items/: " << created.body;
  auto read = request("GET", "/items/slash-1/");
  EXPECT_EQ(read.status, 200) << "GET /items/slash-1/: " << read.body;
  EXPECT_EQ(body_of(read).get_string("name").value_or(""), "trailing");
  auto listed = request("GET", "/items/?limit=100");
  EXPECT_EQ(listed.status, 200) << "GET /items/: " << listed.body;
  EXPECT_NE(listed.body.find("slash-1"), std::string::npos) << listed.body;
  for (const auto* r : {&created, &read, &listed}) {
    EXPECT_TRUE(ids.insert(header(*r, "apigw-requestid")).second)
        << r->status << ": no apigw-requestid, or a repeated one";
  }
  EXPECT_FALSE(header(request("GET", "/__streamcache/health"), "apigw-requestid").empty())
      << "the health endpoint is a gateway answer too";
}

TEST_F(LocalStack, ReadAfterWriteIsACacheHit) {
  create("raw-1", "first");
  auto read = request("GET", "/items/raw-1");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
}

TEST_F(LocalStack, DirectTableChangeReachesCachedReadsThroughTheStream) {
  create("direct-1", "before");
  ASSERT_EQ(header(request("GET", "/items/direct-1"), "cache-status"), "streamcache; hit");
  update_in_table("direct-1", "after");
  // Only the stream mapping and the stream handler can change the cached copy.
  bool seen = streamcache::testing::wait_until(
      [] {
        auto r = request("GET", "/items/direct-1");
        return header(r, "cache-status") == "streamcache; hit" &&
               body_of(r).get_string("name").value_or("") == "after";
      },
      60s, 100ms);
  EXPECT_TRUE(seen) << "the table's change never reached the cache";
}

TEST_F(LocalStack, DeleteStaysDeleted) {
  create("deleted-1", "doomed");
  ASSERT_EQ(request("DELETE", "/items/deleted-1").status, 204);
  EXPECT_EQ(request("GET", "/items/deleted-1").status, 404);
  // A marker written after the delete: once the stream delivered it, it delivered the delete too.
  create("after-delete-1", "marker");
  update_in_table("after-delete-1", "marker-from-table");
  ASSERT_TRUE(streamcache::testing::wait_until(
      [] {
        return body_of(request("GET", "/items/after-delete-1")).get_string("name").value_or("") ==
               "marker-from-table";
      },
      60s, 100ms));
  auto read = request("GET", "/items/deleted-1");
  EXPECT_EQ(read.status, 404);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit") << "the tombstone answers";
}

TEST_F(LocalStack, BannerNamesTheCacheMode) {
  EXPECT_NE(start_output_.find(cluster_ ? "cache mode    Redis Cluster, 3 primaries + 3 replicas"
                                        : "cache mode    single node"),
            std::string::npos)
      << start_output_;
}

// Every primary holds some of the items' entries: the functions use the cluster's slots.
TEST_F(LocalStack, ClusterSpreadsTheItemsOverEveryPrimary) {
  if (!cluster_) GTEST_SKIP() << "a single node";
  std::set<int> primaries;
  for (int i = 1; i <= 12; ++i) {
    const std::string id = "spread-" + std::to_string(i);
    create(id, "spread");
    ASSERT_EQ(header(request("GET", "/items/" + id), "cache-status"), "streamcache; hit");
    const int primary = primary_port_of("item:{" + id + "}");
    EXPECT_EQ(redis_cli({"EXISTS", "item:{" + id + "}"}, primary), "1\n") << id;
    primaries.insert(primary);
  }
  EXPECT_EQ(primaries.size(), 3u);
}

// On a cluster, the outage is the shard that holds outage-1: its replica is frozen first, then
// its primary killed, so the shard stays down (and the whole cluster, which requires every slot)
// until the test thaws the replica; the replica then takes over (a real failover) and the
// retried stream batch converges the cache on the promoted node. The killed primary stays down.
TEST_F(LocalStack, RedisDownKeepsTheApiAnsweringAndTheCacheConvergesWhenItReturns) {
  create("outage-1", "before outage");
  int down_port = redis_port_;
  int replica_port = 0;
  pid_t redis = read_pid(dir_ / "redis.pid");
  if (cluster_) {
    down_port = primary_port_of("item:{outage-1}");
    for (int port = redis_port_; port < redis_port_ + kClusterNodes; ++port) {
      if (role_of(port) == std::pair<std::string, int>{"slave", down_port}) replica_port = port;
    }
    ASSERT_NE(replica_port, 0) << "no replica of " << down_port;
    for (int port = redis_port_; port < redis_port_ + kClusterNodes; ++port) {
      if (port != down_port && port != replica_port) entry_port_ = port;
    }
    paused_node_ = cluster_node_pid(replica_port);
    ASSERT_GT(paused_node_, 0);
    ASSERT_EQ(::kill(paused_node_, SIGSTOP), 0);
    redis = cluster_node_pid(down_port);
  }
  ASSERT_GT(redis, 0);
  ASSERT_EQ(::kill(redis, SIGKILL), 0);
  ASSERT_TRUE(streamcache::testing::wait_until(
      [down_port] { return !streamcache::testing::port_open(down_port); }, 10s));

  auto read = request("GET", "/items/outage-1");
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(header(read, "cache-status"), "streamcache; fwd=miss; detail=cache-unavailable");
  auto written = request("PUT", "/items/outage-2", R"({"name":"written during the outage"})");
  EXPECT_EQ(written.status, 201) << written.body;
  update_in_table("outage-1", "changed during the outage");
  // The handler fails on every delivery now; the mapping keeps the records and retries.
  EXPECT_TRUE(streamcache::testing::wait_until(
      [] {
        return read_file(dir_ / "logs" / "local.log").find("(batchItemFailures); retrying") !=
               std::string::npos;
      },
      60s, 200ms))
      << "no sign of a failed stream batch in the log";

  if (cluster_) {
    ASSERT_EQ(::kill(std::exchange(paused_node_, -1), SIGCONT), 0);
  } else {
    restarted_redis_ = std::make_unique<Process>(
        Process::Options{{"redis-server", "--bind", "127.0.0.1", "--port",
                          std::to_string(redis_port_), "--save", "", "--appendonly", "no"},
                         dir_ / "logs" / "redis-restarted.log",
                         {},
                         dir_});
    ASSERT_TRUE(streamcache::testing::wait_until(
        [] { return streamcache::testing::port_open(redis_port_); }, 20s));
  }

  // Converged without any read filling it: the retried stream batch wrote the new version.
  bool converged = streamcache::testing::wait_until(
      [] {
        return redis_cli({"GET", "item:{outage-1}"}).find("changed during the outage") !=
               std::string::npos;
      },
      90s, 200ms);
  EXPECT_TRUE(converged) << "the cache never received the change made while Redis was down";
  auto after = request("GET", "/items/outage-1");
  EXPECT_EQ(header(after, "cache-status"), "streamcache; hit");
  EXPECT_EQ(body_of(after).get_string("name").value_or(""), "changed during the outage");
  if (cluster_) {
    EXPECT_EQ(role_of(replica_port).first, "master") << "the replica was not promoted";
    EXPECT_EQ(primary_port_of("item:{outage-1}"), replica_port);
  }
}

// The host's own 504 for a function that overruns is covered by tests/local/host_test.cpp.
TEST_F(LocalStack, FrozenDynamoDbIs503WithRetryAfterBeforeTheTimeoutAndTheNextRequestWorks) {
  create("timeout-1", "present");
  const pid_t moto = read_pid(dir_ / "moto.pid");
  ASSERT_GT(moto, 0);
  // A frozen DynamoDB: a read that misses the cache gets no answer. The function's budget
  // (its timeout less max(500 ms, 10 %)) ends the read first: 503, not a Lambda timeout.
  ASSERT_EQ(::kill(moto, SIGSTOP), 0);
  auto frozen = request("GET", "/items/never-cached-1");
  ASSERT_EQ(::kill(moto, SIGCONT), 0);
  EXPECT_EQ(frozen.status, 503) << frozen.body;
  EXPECT_EQ(header(frozen, "retry-after"), "1");
  EXPECT_EQ(header(frozen, "content-type"), "application/problem+json");
  EXPECT_EQ(read_file(dir_ / "logs" / "local.log").find("Task timed out after"), std::string::npos)
      << "the function ran into its timeout";
  auto next = request("GET", "/items/timeout-1");
  EXPECT_EQ(next.status, 200) << next.body;
}

}  // namespace
