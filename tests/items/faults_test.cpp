// The items API and the stream handler over the real adapters when a dependency stalls or goes
// away: a paused redis-server (SIGSTOP: its socket stays open and answers nothing) must cost a
// read at most part of its budget; a restarted one is used by the stream handler's next retry; a
// stalled Secrets Manager ends the AUTH token's read within its budget, at init and during a call.
#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "aws/service_client.h"
#include "cache/redis_connection.h"
#include "items/adapters.h"
#include "items/api.h"
#include "items/clients.h"
#include "items/stream.h"
#include "support/dropping_proxy.h"
#include "support/servers.h"
#include "support/shared_servers.h"
#include "support/wait.h"

namespace streamcache::items {
namespace {

using namespace std::chrono_literals;
namespace events = lambda::events;

class ApiFaults : public streamcache::testing::WithRedisAndMoto<ApiFaults> {
 protected:
  void SetUp() override {
    reset_servers();
    auto client = aws::DynamoDbClient::from_env(fixed_env(moto_->aws_env()));
    ASSERT_TRUE(client) << client.error();
    dynamodb_ = std::make_unique<aws::DynamoDbClient>(std::move(*client));
    aws::CreateTableRequest create;
    create.table = "items";
    create.hash_key = {"id", 'S'};
    ASSERT_TRUE(dynamodb_->create_table(create));
    auto connection = cache::connection_options_from_url(redis_->url());
    ASSERT_TRUE(connection);
    // Longer than the budget below: the budget, not Redis's own timeout, must bound the read.
    connection->command_timeout = 5s;
    auto item_cache = cache::ItemCache::create(*connection);
    ASSERT_TRUE(item_cache);
    item_cache_ = std::make_unique<cache::ItemCache>(std::move(*item_cache));
    cache_ = std::make_unique<RedisItemCache>(*item_cache_);
    store_ = std::make_unique<DynamoItemStore>(*dynamodb_, "items");
    api_ = std::make_unique<ItemsApi>(*store_, cache_.get(), ApiOptions{});
  }

  void TearDown() override { redis_->resume(); }  // also when an assertion failed midway

  events::HttpResponse call(std::string method, std::string path, Deadline deadline,
                            std::string body = "") {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.headers["content-type"] = "application/json";
    r.body = std::move(body);
    return api_->handle(r, deadline);
  }

  std::unique_ptr<aws::DynamoDbClient> dynamodb_;
  std::unique_ptr<cache::ItemCache> item_cache_;
  std::unique_ptr<RedisItemCache> cache_;
  std::unique_ptr<DynamoItemStore> store_;
  std::unique_ptr<ItemsApi> api_;
};

TEST_F(ApiFaults, PausedRedisFallsBackToDynamoDbWithinTheBudget) {
  auto created = call("POST", "/items", Deadline::never(), R"({"id":"p1","v":1})");
  ASSERT_EQ(created.status_code, 201) << created.body;
  ASSERT_EQ(call("GET", "/items/p1", Deadline::never()).headers["cache-status"],
            "streamcache; hit");  // the connection is open and warm

  redis_->pause();
  const Deadline budget = Deadline::after(2s);
  auto read = call("GET", "/items/p1", budget);
  EXPECT_EQ(read.status_code, 200) << read.body;
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(read.headers["cache-status"], "streamcache; fwd=miss; detail=cache-unavailable");
  // A 200 is itself the proof: with the budget spent, the DynamoDB read would not be sent (503).

  redis_->resume();
  auto again = call("GET", "/items/p1", Deadline::after(10s));
  EXPECT_EQ(again.status_code, 200);
  EXPECT_EQ(again.headers["cache-status"], "streamcache; hit");  // a fresh connection
}

TEST_F(ApiFaults, PausedRedisDuringTheWriteThroughStillAnswersTheWrite) {
  redis_->pause();
  const Deadline budget = Deadline::after(1s);
  // The write-through waits at most what is left of the budget; the write stands either way.
  auto created = call("POST", "/items", budget, R"({"id":"p2"})");
  EXPECT_EQ(created.status_code, 201) << created.body;
  redis_->resume();
  auto read = call("GET", "/items/p2", Deadline::after(10s));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(read.body, created.body);
}

// The retry loop paces the stream handler's attempts: once Redis is back, its next attempt
// connects, whatever the connection's own reconnect backoff (here at its 2 s maximum) says.
TEST(StreamFaults, FirstRetryAfterRedisIsBackConnects) {
  streamcache::testing::RedisServer server;
  auto now = std::chrono::steady_clock::now();
  auto options = cache::connection_options_from_url(server.url());
  ASSERT_TRUE(options);
  options->reconnect_backoff_min = 2s;
  options->reconnect_backoff_max = 2s;
  options->client_name = "stream-retry-test";
  options->now = [&now] { return now; };
  auto item_cache = cache::ItemCache::create(*options);
  ASSERT_TRUE(item_cache);
  RedisItemCache cache(*item_cache);
  StreamPlan plan;
  plan.ops.push_back(StreamOp{StreamOp::Kind::apply, "r1", 5, R"({"id":"r1","version":5})", 0});
  plan.sequence_numbers = {"100"};

  server.kill();
  StreamRetryOptions retry;
  retry.until = Deadline::after(60s);  // an upper bound only: the test clock paces the attempts
  retry.backoff_min = 100ms;
  retry.backoff_max = 100ms;
  int waits = 0;
  retry.sleep = [&](std::chrono::milliseconds wait) {
    now += wait;  // what the retry loop waits passes for the connection too
    if (++waits == 3) server.restart();
  };
  StreamOutcome outcome = apply_stream_plan(plan, cache, retry);
  EXPECT_EQ(outcome.attempts, 4);  // three while Redis is down, then the first after the restart
  EXPECT_EQ(outcome.applied, 1);
  EXPECT_TRUE(outcome.response.batch_item_failures.empty());
  const std::string clients = server.cli({"CLIENT", "LIST"});
  std::size_t ours = 0;
  for (auto at = clients.find("name=stream-retry-test"); at != std::string::npos;
       at = clients.find("name=stream-retry-test", at + 1))
    ++ours;
  EXPECT_EQ(ours, 1u) << clients;
}

class SecretFaults : public streamcache::testing::WithMoto<SecretFaults> {
 protected:
  void SetUp() override { moto_->reset(); }

  // The ARN of a new plain-string secret holding `token`.
  static std::string create_secret(const std::string& name, const std::string& token) {
    auto service = aws::secrets_manager_service();
    auto config = aws::load_client_config(fixed_env(moto_->aws_env()), service);
    EXPECT_TRUE(config) << config.error();
    aws::ServiceClient secrets(service, std::move(*config));
    auto created = secrets.call("CreateSecret",
                                R"({"Name":")" + name + R"(","SecretString":")" + token + R"("})");
    EXPECT_TRUE(created) << created.error().describe();
    return std::string(created->get_string("ARN").value_or(""));
  }

  // The functions' environment, with Secrets Manager reached through `proxy`.
  static EnvLookup function_env(const streamcache::testing::DroppingProxy& proxy,
                                const std::string& redis_url, const std::string& arn) {
    auto values = moto_->aws_env();
    values["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = proxy.endpoint();
    values["TABLE_NAME"] = "items";
    values["REDIS_URL"] = redis_url;
    values["REDIS_AUTH_SECRET_ARN"] = arn;
    return fixed_env(std::move(values));
  }
};

// Lambda's init phase has 10 s: the secret read (retries included) ends within its own limit, as
// an init error that says what did not answer.
TEST_F(SecretFaults, StalledSecretsManagerAtInitIsAClearInitError) {
  const std::string arn = create_secret("redis-init", "token-0123456789");
  streamcache::testing::DroppingProxy proxy("127.0.0.1", moto_->port());
  proxy.stall(true);
  auto clients = create_clients(function_env(proxy, "redis://127.0.0.1:6379", arn));
  ASSERT_FALSE(clients);
  EXPECT_NE(clients.error().find("REDIS_AUTH_SECRET_ARN"), std::string::npos) << clients.error();
  EXPECT_NE(clients.error().find("Secrets Manager did not answer in time"), std::string::npos)
      << clients.error();
  EXPECT_TRUE(streamcache::testing::wait_until([&] { return proxy.stalled() >= 1; }));
}

// A rotated token is re-read inside the call that meets it: a stalled Secrets Manager ends the
// refresh by the call's deadline, and the call returns an auth error that says why.
TEST_F(SecretFaults, StalledSecretsManagerEndsAPasswordRefreshWithinTheCallsBudget) {
  streamcache::testing::RedisServer redis({.extra_args = {"--requirepass", "new-token-98765"}});
  const std::string arn = create_secret("redis-refresh", "old-token-01234");
  streamcache::testing::DroppingProxy proxy("127.0.0.1", moto_->port());
  auto clients = create_clients(function_env(proxy, redis.url(), arn));  // the old token
  ASSERT_TRUE(clients) << clients.error();
  proxy.stall(true);
  RedisItemCache cache(*(*clients)->cache);
  auto read = cache.get("a", Deadline::after(1s));  // AUTH refused, then the refresh stalls
  ASSERT_FALSE(read);
  // Retried like an outage (the stream handler keeps the record), not reported as permanent.
  EXPECT_EQ(read.error().code, cache::ErrorCode::unavailable) << cache::describe(read.error());
  EXPECT_NE(read.error().message.find("reading the current password failed"), std::string::npos)
      << read.error().message;
  EXPECT_NE(read.error().message.find("Secrets Manager did not answer in time"), std::string::npos)
      << read.error().message;
  EXPECT_TRUE(streamcache::testing::wait_until([&] { return proxy.stalled() >= 1; }));
}

}  // namespace
}  // namespace streamcache::items
