// Both functions' cache wiring on a real local Redis Cluster: create_clients detects (or is told)
// the cluster mode from one URL, and the ports (ItemCachePort, StreamCachePort) work across every
// primary: API reads and fills, and a stream batch whose ids span all three primaries.
#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "cache/hash_slot.h"
#include "cache_fixtures.h"
#include "items/adapters.h"
#include "items/clients.h"
#include "redis_cluster.h"

namespace streamcache::items {
namespace {

using cache::testing::RedisCluster;

class ClusterClients : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = std::make_unique<RedisCluster>(); }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override { cluster_->heal(); }

  static EnvLookup env(std::map<std::string, std::string, std::less<>> extra) {
    std::map<std::string, std::string, std::less<>> values = {
        {"TABLE_NAME", "items"},
        {"REDIS_URL", cluster_->seed_url()},
        {"AWS_REGION", "us-east-1"},
        {"AWS_ACCESS_KEY_ID", "testing"},
        {"AWS_SECRET_ACCESS_KEY", "testing"},
        {"AWS_ENDPOINT_URL", "http://127.0.0.1:9"}};  // never called here
    for (auto& [name, value] : extra)
      values[name] = value;
    return fixed_env(std::move(values));
  }

  static inline std::unique_ptr<RedisCluster> cluster_;
};

TEST_F(ClusterClients, AStreamBatchSpanningEveryPrimaryAppliesEachRecord) {
  for (const char* mode : {"auto", "on"}) {
    SCOPED_TRACE(mode);
    cluster_->flush_all();
    auto clients = create_clients(env({{"REDIS_CLUSTER", mode}}));
    ASSERT_TRUE(clients) << clients.error();
    RedisItemCache cache(*(*clients)->cache);

    std::vector<StreamOp> ops;
    std::set<std::size_t> primaries;
    for (int n = 0; n < 300; ++n) {
      std::string id = cache::testing::numbered("stream-", n);
      primaries.insert(cluster_->primary_of_slot(cache::hash_slot(cache::item_key(id))));
      ops.push_back(
          {StreamOp::Kind::apply, id, 7, R"({"id":")" + id + R"("})", static_cast<std::size_t>(n)});
    }
    ops.push_back({StreamOp::Kind::tombstone, "stream-0", 8, "", 300});
    ops.push_back({StreamOp::Kind::apply, "stream-1", 6, "{}", 301});  // stale
    ASSERT_EQ(primaries.size(), 3u);
    StreamResults results;
    cache.execute(ops, results, Deadline::after(std::chrono::seconds(10)));
    ASSERT_EQ(results.size(), ops.size());
    for (std::size_t k = 0; k < 300; ++k) {
      ASSERT_TRUE(results[k]) << cache::describe(results[k].error());
      EXPECT_EQ(*results[k], cache::WriteResult::applied);
    }
    EXPECT_EQ(results[300].value(), cache::WriteResult::applied);
    EXPECT_EQ(results[301].value(), cache::WriteResult::stale);

    // The API's side reads through the same client.
    auto deleted = cache.get("stream-0", Deadline::after(std::chrono::seconds(5)));
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->status, cache::GetResult::Status::not_found);
    auto hit = cache.get("stream-299");
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->status, cache::GetResult::Status::hit);
    EXPECT_EQ(cache.fill_negative("absent").value(), cache::WriteResult::applied);
  }
}

TEST_F(ClusterClients, ABadClusterModeIsAClearInitError) {
  auto clients = create_clients(env({{"REDIS_CLUSTER", "yes"}}));
  ASSERT_FALSE(clients);
  EXPECT_NE(clients.error().find("REDIS_CLUSTER"), std::string::npos) << clients.error();
  EXPECT_NE(clients.error().find("auto, on, off"), std::string::npos) << clients.error();
}

}  // namespace
}  // namespace streamcache::items
