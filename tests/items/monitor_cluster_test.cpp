// The consistency monitor on a real local Redis Cluster (3 primaries, 3 replicas) and moto_server,
// wired as the monitor function wires it (create_clients, REDIS_CLUSTER=auto): the sample draws
// from every primary, each entry is read on its slot's primary, and a corrupted entry on any
// primary is reported.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cache/hash_slot.h"
#include "cache_fixtures.h"
#include "items/adapters.h"
#include "items/clients.h"
#include "items/item.h"
#include "items/monitor.h"
#include "items/monitor_sampler.h"
#include "redis_cluster.h"
#include "support/shared_servers.h"

namespace streamcache::items {
namespace {

using cache::testing::RedisCluster;

constexpr std::size_t kPerPrimary = 4;

class MonitorCluster : public streamcache::testing::WithMoto<MonitorCluster> {
  using Moto = streamcache::testing::WithMoto<MonitorCluster>;

 public:
  static void SetUpTestSuite() {
    Moto::SetUpTestSuite();
    cluster_ = std::make_unique<RedisCluster>();
  }
  static void TearDownTestSuite() {
    cluster_.reset();
    Moto::TearDownTestSuite();
  }

 protected:
  void SetUp() override {
    cluster_->heal();
    moto_->reset();
    auto env = moto_->aws_env();
    env["TABLE_NAME"] = "monitored";
    env["REDIS_URL"] = cluster_->seed_url();
    env["REDIS_CLUSTER"] = "auto";
    auto clients = create_clients(fixed_env(std::move(env)));
    ASSERT_TRUE(clients) << clients.error();
    clients_ = std::move(*clients);
    aws::CreateTableRequest create;
    create.table = "monitored";
    create.hash_key = {"id", 'S'};
    auto created = clients_->dynamodb.create_table(create);
    ASSERT_TRUE(created) << created.error().describe();
    store_ = std::make_unique<DynamoItemStore>(clients_->dynamodb, "monitored");
    sampler_ = std::make_unique<RedisCacheSampler>(*clients_->cache);
  }

  // The primary (node index) that serves the id's key now.
  static std::size_t primary_of(const std::string& id) {
    return cluster_->primary_of_slot(cache::hash_slot(cache::item_key(id)));
  }

  // kPerPrimary ids on each primary.
  static std::vector<std::string> ids_on_every_primary() {
    std::map<std::size_t, std::size_t> count;
    std::vector<std::string> ids;
    for (long long n = 0; ids.size() < 3 * kPerPrimary; ++n) {
      std::string id = cache::testing::numbered("lamp-", n);
      if (count[primary_of(id)]++ < kPerPrimary) ids.push_back(std::move(id));
    }
    return ids;
  }

  void cache_entry(const std::string& id, cache::Version version, const std::string& body) {
    const cache::CacheOp op = cache::CacheOp::apply_if_newer(id, version, body);
    cache::BatchResults results;
    clients_->cache->execute(std::span(&op, 1), results, Deadline::after(std::chrono::seconds(10)));
    ASSERT_TRUE(results.front()) << cache::describe(results.front().error());
    ASSERT_EQ(results.front()->write, cache::WriteResult::applied);
  }

  // Stores the item and caches what a consistent read returns, as the API's fill does.
  void write_and_cache(const std::string& id, int version) {
    const std::string text =
        R"({"id":")" + id + R"(","version":)" + std::to_string(version) + R"(,"price":19.90})";
    ASSERT_TRUE(store_->put(*json::parse(text), {WriteCondition::Kind::creatable, 0}));
    auto stored = store_->get(id);
    ASSERT_TRUE(stored && *stored);
    cache_entry(id, *version_of(**stored), json::serialize(canonical(**stored)));
  }

  MonitorReport run() {
    // 100 draws per primary for 4 keys each: every key is seen.
    const MonitorOptions options{.sample_size = 300, .grace = std::chrono::seconds(0)};
    return check_cache_consistency(
        *sampler_, *store_, options, [](std::chrono::seconds) {},
        Deadline::after(std::chrono::seconds(60)));
  }

  static inline std::unique_ptr<RedisCluster> cluster_;
  std::unique_ptr<Clients> clients_;
  std::unique_ptr<DynamoItemStore> store_;
  std::unique_ptr<RedisCacheSampler> sampler_;
};

TEST_F(MonitorCluster, TheSampleDrawsFromEveryPrimaryAndEveryEntryIsChecked) {
  const auto ids = ids_on_every_primary();
  for (const auto& id : ids)
    write_and_cache(id, 3);

  auto sampled = sampler_->sample_ids(300, Deadline::after(std::chrono::seconds(10)));
  ASSERT_TRUE(sampled) << cache::describe(sampled.error());
  std::set<std::size_t> primaries;
  for (const auto& id : *sampled)
    primaries.insert(primary_of(id));
  EXPECT_EQ(primaries.size(), 3u);
  // GET reaches each entry on its own primary: every one is read back as cached.
  auto entries = sampler_->read(ids, Deadline::after(std::chrono::seconds(10)));
  ASSERT_TRUE(entries) << cache::describe(entries.error());
  ASSERT_EQ(entries->size(), ids.size());
  for (const auto& entry : *entries) {
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->kind, cache::EntryKind::item);
  }

  const auto report = run();
  EXPECT_EQ(report.checked, ids.size());
  EXPECT_TRUE(report.inconsistent.empty());
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
}

TEST_F(MonitorCluster, ACorruptedEntryOnAnyPrimaryIsReported) {
  const auto ids = ids_on_every_primary();
  for (const auto& id : ids)
    write_and_cache(id, 5);
  // On each primary, one entry with a body the table never held, one version above the table's.
  std::set<std::string> corrupted;
  std::set<std::size_t> seen;
  for (const auto& id : ids) {
    if (!seen.insert(primary_of(id)).second) continue;
    auto stored = store_->get(id);
    ASSERT_TRUE(stored && *stored);
    cache_entry(id, *version_of(**stored) + 1, R"({"id":")" + id + R"(","price":0})");
    corrupted.insert(id);
  }
  ASSERT_EQ(corrupted.size(), 3u);

  const auto report = run();
  EXPECT_EQ(report.checked, ids.size());
  ASSERT_EQ(report.inconsistent.size(), 3u);
  for (const auto& found : report.inconsistent) {
    EXPECT_TRUE(corrupted.contains(found.id)) << found.id;
    EXPECT_EQ(found.rule, "item-ahead-of-table");
    EXPECT_EQ(found.table.kind, TableState::Kind::item);
    EXPECT_EQ(found.cache_version, found.table.version + 1);
  }
}

}  // namespace
}  // namespace streamcache::items
