// The items API and the stream handler over the real adapters when a dependency stalls or goes
// away: a paused redis-server (SIGSTOP: its socket stays open and answers nothing) must cost a
// read at most part of its budget; a restarted one is used by the stream handler's next retry.
#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "cache/redis_connection.h"
#include "items/adapters.h"
#include "items/api.h"
#include "items/stream.h"
#include "support/servers.h"
#include "support/shared_servers.h"

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

}  // namespace
}  // namespace streamcache::items
