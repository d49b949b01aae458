// The cluster item cache against a real local Redis Cluster (3 primaries, 3 replicas), shared by
// the suite: the fixture itself, every operation, batches across every primary, live slot
// migration (MOVED and ASK), a primary killed and its replica promoted while writes run, and
// NOSCRIPT on one node.
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "cache/cluster_item_cache.h"
#include "cache/hash_slot.h"
#include "cache_fixtures.h"
#include "redis_cluster.h"
#include "support/wait.h"

namespace streamcache::cache {
namespace {

using Status = GetResult::Status;
using streamcache::testing::wait_until;
using testing::RedisCluster;

ConnectionOptions seed_options(int port) {
  ConnectionOptions options = testing::local_options(port);
  return options;
}

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = std::make_unique<RedisCluster>(); }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override { cluster_->heal(); }

  static ClusterItemCache make_cache(ClusterOptions options = {}) {
    auto cache = ClusterItemCache::create(seed_options(cluster_->port(seed_index())), {}, options);
    if (!cache) throw std::runtime_error(describe(cache.error()));
    return std::move(*cache);
  }
  static std::size_t seed_index() {
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      if (cluster_->node(i).running()) return i;
    }
    throw std::runtime_error("no node running");
  }
  // Ids whose keys land on each current primary: `per_primary` ids for each.
  static std::vector<std::string> ids_across_primaries(std::size_t per_primary,
                                                       std::string_view prefix = "id-") {
    std::map<std::size_t, std::size_t> count;
    std::map<std::uint16_t, std::size_t> owner_of_slot;
    std::vector<std::string> ids;
    for (long long n = 0; ids.size() < 3 * per_primary; ++n) {
      std::string id = testing::numbered(prefix, n);
      const std::uint16_t slot = hash_slot(item_key(id));
      if (!owner_of_slot.contains(slot)) owner_of_slot[slot] = cluster_->primary_of_slot(slot);
      if (count[owner_of_slot[slot]]++ < per_primary) ids.push_back(std::move(id));
    }
    return ids;
  }
  // The raw value stored under the item's key, asked of the primary that serves its slot.
  static Reply stored(std::string_view id) {
    const std::string key = item_key(id);
    return cluster_->command(cluster_->primary_of_slot(hash_slot(key)), {"GET", key});
  }

  static inline std::unique_ptr<RedisCluster> cluster_;
};

std::string body_of(Version version) {
  return testing::numbered("{\"v\":", static_cast<long long>(version)) + "}";
}

TEST_F(ClusterTest, FixtureStartsThreePrimariesEachWithAReplica) {
  const auto primaries = cluster_->primaries();
  ASSERT_EQ(primaries.size(), 3u);
  std::set<std::size_t> replicas;
  for (std::size_t primary : primaries) {
    const auto of = cluster_->replicas_of(primary);
    ASSERT_EQ(of.size(), 1u);
    replicas.insert(of.front());
  }
  EXPECT_EQ(replicas.size(), 3u);
  std::set<std::size_t> owners;
  for (int slot : {0, 5000, 8000, 12000, 16383})
    owners.insert(cluster_->primary_of_slot(slot));
  EXPECT_EQ(owners.size(), 3u);
}

TEST_F(ClusterTest, HashSlotsAgreeWithTheServer) {
  std::vector<std::string> keys = {"",       "a",      "{",         "}",
                                   "{}",     "{}x",    "x{}",       "a{b}c",
                                   "{a}{b}", "a{{b}}", "item:{id}", "\xff\xfe{\x01}"};
  for (int n = 0; n < 300; ++n)
    keys.push_back(item_key(testing::numbered("key-", n * 7919)));
  for (const auto& key : keys) {
    const Reply reply = cluster_->command(0, {"CLUSTER", "KEYSLOT", key});
    EXPECT_EQ(reply.integer, hash_slot(key)) << key;
  }
}

TEST_F(ClusterTest, EveryOperationLandsOnTheSlotsPrimary) {
  auto cache = make_cache();
  for (const std::string& id : ids_across_primaries(1)) {
    SCOPED_TRACE(id);
    auto miss = cache.get(id);
    ASSERT_TRUE(miss) << describe(miss.error());
    EXPECT_EQ(miss->status, Status::miss);

    EXPECT_EQ(cache.apply_if_newer(id, 5, body_of(5)).value(), WriteResult::applied);
    EXPECT_EQ(stored(id).str.substr(kHeaderSize), body_of(5));
    EXPECT_EQ(cache.apply_if_newer(id, 4, body_of(4)).value(), WriteResult::stale);
    auto hit = cache.get(id);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->status, Status::hit);
    EXPECT_EQ(hit->version, 5u);
    EXPECT_EQ(hit->body, body_of(5));

    EXPECT_EQ(cache.tombstone_if_newer(id, 6).value(), WriteResult::applied);
    EXPECT_EQ(cache.get(id)->status, Status::not_found);
    EXPECT_EQ(cache.fill_negative(id).value(), WriteResult::stale);  // never replaces an entry
    EXPECT_EQ(cache.apply_if_newer(id, 5, body_of(5)).value(), WriteResult::stale);
    EXPECT_EQ(cache.fence_if_newer(id, 9).value(), WriteResult::applied);
    EXPECT_EQ(cache.get(id)->status, Status::miss);  // a fence reads as a miss
    EXPECT_EQ(cache.apply_if_newer(id, 8, body_of(8)).value(), WriteResult::stale);
    EXPECT_EQ(cache.invalidate_above(id, 3).value(), WriteResult::applied);  // fence at 10
    EXPECT_EQ(cache.apply_if_newer(id, 10, body_of(10)).value(), WriteResult::applied);
    EXPECT_EQ(cache.get(id)->body, body_of(10));
  }
  const std::string absent = ids_across_primaries(1, "absent-").front();
  EXPECT_EQ(cache.fill_negative(absent).value(), WriteResult::applied);
  EXPECT_EQ(cache.get(absent)->status, Status::not_found);
  EXPECT_EQ(cache.get("").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(cache.stats().moved, 0u);
  EXPECT_EQ(cache.stats().refreshes, 1u);
}

TEST_F(ClusterTest, ABatchAcrossEveryPrimaryAnswersEachOpInOrder) {
  auto cache = make_cache();
  const auto ids = ids_across_primaries(100);
  std::vector<std::string> bodies;
  for (std::size_t k = 0; k < ids.size(); ++k)
    bodies.push_back(body_of(k + 1));
  std::vector<CacheOp> ops;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ops.push_back(CacheOp::apply_if_newer(ids[k], k + 1, bodies[k]));
    ops.push_back(CacheOp::get(ids[k]));  // reads its own write
  }
  ops.push_back(CacheOp::get(""));                        // invalid: fails alone
  ops.push_back(CacheOp::apply_if_newer(ids[0], 1, {}));  // stale after the first
  const BatchResults results = cache.execute(ops);
  ASSERT_EQ(results.size(), ops.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ASSERT_TRUE(results[2 * k]) << describe(results[2 * k].error());
    EXPECT_EQ(results[2 * k]->write, WriteResult::applied);
    ASSERT_TRUE(results[2 * k + 1]);
    EXPECT_EQ(results[2 * k + 1]->read.version, k + 1);
    EXPECT_EQ(results[2 * k + 1]->read.body, bodies[k]);
  }
  EXPECT_EQ(results[2 * ids.size()].error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(results.back()->write, WriteResult::stale);
  for (std::size_t primary : cluster_->primaries())
    EXPECT_EQ(cluster_->command(primary, {"DBSIZE"}).integer, 100);
}

TEST_F(ClusterTest, RefusesAServerWithoutClusterMode) {
  streamcache::testing::RedisServer single;
  auto cache = ClusterItemCache::create(seed_options(single.port()));
  ASSERT_TRUE(cache);
  auto result = cache->get("x");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("not in cluster mode"), std::string::npos)
      << describe(result.error());
}

}  // namespace
}  // namespace streamcache::cache
