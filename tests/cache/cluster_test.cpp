// The cluster item cache against a real local Redis Cluster (3 primaries, 3 replicas), shared by
// the suite: the fixture itself, every operation, batches across every primary, live slot
// migration, a primary killed and its replica promoted, and NOSCRIPT on one node.
#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "redis_cluster.h"

namespace streamcache::cache {
namespace {

using testing::RedisCluster;

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = std::make_unique<RedisCluster>(); }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override { cluster_->heal(); }

  static inline std::unique_ptr<RedisCluster> cluster_;
};

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

}  // namespace
}  // namespace streamcache::cache
