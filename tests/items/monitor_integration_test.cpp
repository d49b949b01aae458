// The consistency monitor against real servers: items written to moto_server's DynamoDB through
// DynamoItemStore, cached in one redis-server through ItemCache, sampled with RANDOMKEY and GET.
// The same on a Redis Cluster: monitor_cluster_test.cpp.
#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "cache/item_cache.h"
#include "items/adapters.h"
#include "items/monitor.h"
#include "items/monitor_sampler.h"
#include "support/shared_servers.h"

namespace streamcache::items {
namespace {

class MonitorServers : public streamcache::testing::WithRedisAndMoto<MonitorServers> {
 protected:
  void SetUp() override {
    reset_servers();
    auto dynamodb = aws::DynamoDbClient::from_env(fixed_env(moto_->aws_env()));
    ASSERT_TRUE(dynamodb) << dynamodb.error();
    dynamodb_ = std::make_unique<aws::DynamoDbClient>(std::move(*dynamodb));
    aws::CreateTableRequest create;
    create.table = "monitored";
    create.hash_key = {"id", 'S'};
    auto created = dynamodb_->create_table(create);
    ASSERT_TRUE(created) << created.error().describe();
    store_ = std::make_unique<DynamoItemStore>(*dynamodb_, "monitored");
    auto options = cache::connection_options_from_url(redis_->url());
    ASSERT_TRUE(options);
    auto item_cache = cache::ItemCache::create(*options);
    ASSERT_TRUE(item_cache) << cache::describe(item_cache.error());
    cache_ = std::make_unique<cache::ItemCache>(std::move(*item_cache));
    sampler_ = std::make_unique<RedisCacheSampler>(*cache_);
  }

  // Stores the item and caches what a consistent read returns, as the API's fill does.
  void write_and_cache(const std::string& id, std::string_view text) {
    ASSERT_TRUE(store_->put(*json::parse(text), {WriteCondition::Kind::creatable, 0}));
    auto stored = store_->get(id);
    ASSERT_TRUE(stored && *stored);
    ASSERT_TRUE(
        cache_->apply_if_newer(id, *version_of(**stored), json::serialize(canonical(**stored))));
  }

  MonitorReport run() {
    // Far more draws than keys: RANDOMKEY draws with replacement, and every key must be seen.
    const MonitorOptions options{.sample_size = 400, .grace = std::chrono::seconds(0)};
    return check_cache_consistency(*sampler_, *store_, options, [](std::chrono::seconds) {});
  }

  std::unique_ptr<aws::DynamoDbClient> dynamodb_;
  std::unique_ptr<DynamoItemStore> store_;
  std::unique_ptr<cache::ItemCache> cache_;
  std::unique_ptr<RedisCacheSampler> sampler_;
};

TEST_F(MonitorServers, ACleanCacheReportsZero) {
  write_and_cache("lamp-1", R"({"id":"lamp-1","version":3,"price":19.90,"tags":["a"]})");
  write_and_cache("odd{id}%", R"({"id":"odd{id}%","version":7})");
  ASSERT_TRUE(cache_->fill_negative("never-written"));
  ASSERT_TRUE(cache_->tombstone_if_newer("gone", 12));
  (void)redis_->cli({"SET", "unrelated", "x"});          // not an item key: ignored
  (void)redis_->cli({"HSET", "item:{hash}", "f", "v"});  // an item key of another type: skipped

  const auto report = run();
  EXPECT_EQ(report.checked, 4u);
  EXPECT_TRUE(report.inconsistent.empty());
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
}

TEST_F(MonitorServers, ACorruptedEntryAboveTheTableIsReported) {
  write_and_cache("lamp-1", R"({"id":"lamp-1","version":3,"price":19.90})");
  write_and_cache("lamp-2", R"({"id":"lamp-2","version":5,"price":5})");
  // A body the table never held, at a version above the table's.
  ASSERT_TRUE(cache_->apply_if_newer("lamp-2", 6, R"({"id":"lamp-2","price":0,"version":6})"));

  const auto report = run();
  EXPECT_EQ(report.checked, 2u);
  ASSERT_EQ(report.inconsistent.size(), 1u);
  const auto& found = report.inconsistent[0];
  EXPECT_EQ(found.id, "lamp-2");
  EXPECT_EQ(found.rule, "item-ahead-of-table");
  EXPECT_EQ(found.cache_version, 6u);
  EXPECT_EQ(found.table.kind, TableState::Kind::item);
  EXPECT_EQ(found.table.version, 5u);
}

}  // namespace
}  // namespace streamcache::items
