// ItemCache against a real redis-server: every operation, the coherence rules, TTLs, batches,
// ids that need escaping, NOSCRIPT recovery, and a seeded concurrency property.
#include "cache/item_cache.h"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "cache_fixtures.h"
#include "support/servers.h"
#include "support/wait.h"

namespace streamcache::cache {
namespace {

using Status = GetResult::Status;
using streamcache::testing::RedisServer;

class ItemCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<RedisServer>();
    auto raw = RedisConnection::create(testing::local_options(server_->port()));
    if (!raw) throw std::runtime_error(describe(raw.error()));
    raw_ = std::make_unique<RedisConnection>(std::move(*raw));
  }
  static void TearDownTestSuite() {
    raw_.reset();
    server_.reset();
  }

  void SetUp() override {
    ASSERT_EQ(server_->cli({"FLUSHALL"}), "OK");
    cache_ = std::make_unique<ItemCache>(make_cache());
  }

  static ItemCache make_cache(ItemCacheOptions options = {}) {
    auto cache = ItemCache::create(testing::local_options(server_->port()), options);
    if (!cache) throw std::runtime_error(describe(cache.error()));
    return std::move(*cache);
  }

  static std::string cli(const std::vector<std::string>& args) { return server_->cli(args); }
  static long long pttl(std::string_view id) { return std::stoll(cli({"PTTL", item_key(id)})); }
  // The same through a plain connection: much faster than a redis-cli process in loops.
  static Reply raw(std::initializer_list<std::string_view> args) {
    auto reply = raw_->command(args);
    if (!reply) throw std::runtime_error(describe(reply.error()));
    return std::move(*reply);
  }
  static long long raw_pttl(std::string_view id) { return raw({"PTTL", item_key(id)}).integer; }
  static std::string raw_get(std::string_view id) { return raw({"GET", item_key(id)}).str; }

  GetResult get(std::string_view id) {
    auto result = cache_->get(id);
    EXPECT_TRUE(result) << describe(result.error());
    return result ? *result : GetResult{};
  }
  WriteResult apply(std::string_view id, Version version, std::string_view body) {
    auto result = cache_->apply_if_newer(id, version, body);
    EXPECT_TRUE(result) << describe(result.error());
    return result.value_or(WriteResult::stale);
  }
  WriteResult tombstone(std::string_view id, Version version) {
    auto result = cache_->tombstone_if_newer(id, version);
    EXPECT_TRUE(result) << describe(result.error());
    return result.value_or(WriteResult::stale);
  }
  WriteResult negative(std::string_view id) {
    auto result = cache_->fill_negative(id);
    EXPECT_TRUE(result) << describe(result.error());
    return result.value_or(WriteResult::stale);
  }

  static inline std::unique_ptr<RedisServer> server_;
  static inline std::unique_ptr<RedisConnection> raw_;
  std::unique_ptr<ItemCache> cache_;
};

TEST_F(ItemCacheTest, EmptyCacheMisses) {
  auto result = get("nothing");
  EXPECT_EQ(result.status, Status::miss);
  EXPECT_EQ(cli({"EXISTS", item_key("nothing")}), "0");
}

TEST_F(ItemCacheTest, AppliedItemIsAHit) {
  EXPECT_EQ(apply("a", 5, R"({"id":"a","n":1})"), WriteResult::applied);
  auto result = get("a");
  EXPECT_EQ(result.status, Status::hit);
  EXPECT_EQ(result.version, 5u);
  EXPECT_EQ(result.body, R"({"id":"a","n":1})");
  EXPECT_EQ(cli({"GET", "item:{a}"}), R"(I0000000000000005{"id":"a","n":1})");
}

TEST_F(ItemCacheTest, StaleWriteIsRejected) {
  EXPECT_EQ(apply("a", 5, "five"), WriteResult::applied);
  EXPECT_EQ(apply("a", 3, "three"), WriteResult::stale);
  EXPECT_EQ(apply("a", 5, "five again"), WriteResult::stale);
  auto result = get("a");
  EXPECT_EQ(result.version, 5u);
  EXPECT_EQ(result.body, "five");
}

TEST_F(ItemCacheTest, NewerWriteReplaces) {
  EXPECT_EQ(apply("a", 5, "five"), WriteResult::applied);
  EXPECT_EQ(apply("a", 9, "nine"), WriteResult::applied);
  EXPECT_EQ(get("a").body, "nine");
}

TEST_F(ItemCacheTest, TombstoneBeatsAnOlderFill) {
  EXPECT_EQ(apply("a", 5, "five"), WriteResult::applied);
  EXPECT_EQ(tombstone("a", 6), WriteResult::applied);  // deleted version 5 -> tombstone 6
  EXPECT_EQ(apply("a", 5, "late fill"), WriteResult::stale);
  auto result = get("a");
  EXPECT_EQ(result.status, Status::not_found);
  EXPECT_EQ(result.version, 6u);
  EXPECT_TRUE(result.body.empty());
}

TEST_F(ItemCacheTest, TombstoneOnAnEmptyKeyBlocksTheFillThatReadBeforeTheDelete) {
  EXPECT_EQ(tombstone("a", 6), WriteResult::applied);
  EXPECT_EQ(apply("a", 5, "resurrection"), WriteResult::stale);
  EXPECT_EQ(get("a").status, Status::not_found);
}

TEST_F(ItemCacheTest, OlderTombstoneLosesToANewerItem) {
  EXPECT_EQ(apply("a", 10, "ten"), WriteResult::applied);
  EXPECT_EQ(tombstone("a", 8), WriteResult::stale);
  EXPECT_EQ(get("a").status, Status::hit);
}

TEST_F(ItemCacheTest, RecreateWithTheTombstoneVersionWins) {
  EXPECT_EQ(tombstone("a", 6), WriteResult::applied);
  EXPECT_EQ(apply("a", 6, "re-created"), WriteResult::applied);
  EXPECT_EQ(tombstone("a", 6), WriteResult::stale);  // a replayed delete cannot undo it
  auto result = get("a");
  EXPECT_EQ(result.status, Status::hit);
  EXPECT_EQ(result.body, "re-created");
}

TEST_F(ItemCacheTest, NegativeEntryLosesToAnyRealVersion) {
  EXPECT_EQ(negative("a"), WriteResult::applied);
  auto result = get("a");
  EXPECT_EQ(result.status, Status::not_found);
  EXPECT_EQ(result.version, 0u);
  EXPECT_EQ(apply("a", 1, "first"), WriteResult::applied);
  EXPECT_EQ(get("a").status, Status::hit);

  EXPECT_EQ(negative("b"), WriteResult::applied);
  EXPECT_EQ(tombstone("b", 1), WriteResult::applied);
  EXPECT_EQ(get("b").version, 1u);
}

TEST_F(ItemCacheTest, NegativeEntryNeverReplacesAnything) {
  EXPECT_EQ(apply("a", 1, "x"), WriteResult::applied);
  EXPECT_EQ(negative("a"), WriteResult::stale);
  EXPECT_EQ(get("a").status, Status::hit);
  EXPECT_EQ(tombstone("b", 3), WriteResult::applied);
  EXPECT_EQ(negative("b"), WriteResult::stale);
  EXPECT_EQ(get("b").version, 3u);
  EXPECT_EQ(negative("c"), WriteResult::applied);
  EXPECT_EQ(negative("c"), WriteResult::stale);
}

TEST_F(ItemCacheTest, FenceReadsAsAMissAndRefusesOlderWrites) {
  auto fence = cache_->fence_if_newer("a", 10);
  ASSERT_TRUE(fence);
  EXPECT_EQ(*fence, WriteResult::applied);
  EXPECT_EQ(get("a").status, Status::miss);
  EXPECT_EQ(apply("a", 9, "older"), WriteResult::stale);
  EXPECT_EQ(tombstone("a", 9), WriteResult::stale);
  EXPECT_EQ(negative("a"), WriteResult::stale);
  EXPECT_EQ(raw_get("a").substr(0, 1), "F");
  // The table's own version at the fence (a consistent read's fill) is the truth: it wins.
  EXPECT_EQ(apply("a", 10, "current"), WriteResult::applied);
  EXPECT_EQ(get("a").body, "current");
}

TEST_F(ItemCacheTest, FenceNeverReplacesANewerOrEqualEntry) {
  EXPECT_EQ(apply("a", 10, "x"), WriteResult::applied);
  auto older = cache_->fence_if_newer("a", 9);
  ASSERT_TRUE(older);
  EXPECT_EQ(*older, WriteResult::stale);
  auto equal = cache_->fence_if_newer("a", 10);
  ASSERT_TRUE(equal);
  EXPECT_EQ(*equal, WriteResult::stale);
  EXPECT_EQ(get("a").status, Status::hit);
  EXPECT_EQ(tombstone("b", 5), WriteResult::applied);
  ASSERT_TRUE(cache_->fence_if_newer("b", 5));
  EXPECT_EQ(get("b").status, Status::not_found);
}

TEST_F(ItemCacheTest, InvalidateAboveRisesOverTheCachedVersionSoNoOldFillComesBack) {
  EXPECT_EQ(apply("a", 50, "before the versionless change"), WriteResult::applied);
  auto invalidated = cache_->invalidate_above("a", 7);
  ASSERT_TRUE(invalidated);
  EXPECT_EQ(*invalidated, WriteResult::applied);
  auto read = get("a");
  EXPECT_EQ(read.status, Status::miss);
  EXPECT_EQ(raw_get("a"), std::string("F") + "0000000000000051");
  // A fill that read the table before the change carries 50 at most: refused.
  EXPECT_EQ(apply("a", 50, "stale fill"), WriteResult::stale);
  EXPECT_EQ(apply("a", 51, "next real write"), WriteResult::applied);

  auto empty = cache_->invalidate_above("b", 7);
  ASSERT_TRUE(empty);
  EXPECT_EQ(raw_get("b"), std::string("F") + "0000000000000007");
  EXPECT_EQ(apply("b", 6, "stale fill"), WriteResult::stale);
  EXPECT_LE(raw_pttl("b"), cache_->options().tombstone_ttl.count() * 11 / 10);
}

TEST_F(ItemCacheTest, EveryWriteSetsAJitteredTtl) {
  cache_ = std::make_unique<ItemCache>(make_cache({.item_ttl = std::chrono::hours(1),
                                                   .tombstone_ttl = std::chrono::hours(2),
                                                   .negative_ttl = std::chrono::seconds(30),
                                                   .ttl_jitter = 0.1}));
  ASSERT_EQ(apply("item", 1, "x"), WriteResult::applied);
  ASSERT_EQ(tombstone("gone", 2), WriteResult::applied);
  ASSERT_EQ(negative("absent"), WriteResult::applied);
  // PTTL only falls after a write, so the upper bounds are exact; lower ones allow a minute.
  EXPECT_LE(pttl("item"), 3960000);
  EXPECT_GE(pttl("item"), 3240000 - 60000);
  EXPECT_LE(pttl("gone"), 7920000);
  EXPECT_GE(pttl("gone"), 6480000 - 60000);
  EXPECT_LE(pttl("absent"), 33000);
  EXPECT_GT(pttl("absent"), 0);

  std::set<long long> ttls;
  for (int i = 0; i < 50; ++i) {
    const std::string id = testing::numbered("spread-", i);
    ASSERT_EQ(apply(id, 1, "x"), WriteResult::applied);
    ttls.insert(raw_pttl(id));
  }
  EXPECT_GT(ttls.size(), 40u) << "TTLs are not jittered";
}

TEST_F(ItemCacheTest, AppliedWriteRefreshesTheTtlAndStaleWriteLeavesIt) {
  ASSERT_EQ(apply("a", 1, "x"), WriteResult::applied);
  ASSERT_EQ(cli({"PEXPIRE", item_key("a"), "100000"}), "1");
  ASSERT_EQ(apply("a", 1, "x"), WriteResult::stale);
  EXPECT_LE(pttl("a"), 100000);
  ASSERT_EQ(apply("a", 2, "y"), WriteResult::applied);
  EXPECT_GT(pttl("a"), 1000000);
}

TEST_F(ItemCacheTest, BatchAnswersEachOpInOrder) {
  ASSERT_EQ(apply("old", 7, "seven"), WriteResult::applied);
  const std::vector<CacheOp> ops = {
      CacheOp::apply_if_newer("a", 1, "one"),
      CacheOp::apply_if_newer("old", 3, "three"),
      CacheOp::get("a"),
      CacheOp::tombstone_if_newer("old", 8),
      CacheOp::fill_negative("missing"),
      CacheOp::apply_if_newer("bad-version", kMaxVersion + 1, "x"),
      CacheOp::get(""),
      CacheOp::get("never"),
      CacheOp::get("old"),
  };
  auto results = cache_->execute(ops);
  ASSERT_EQ(results.size(), ops.size());
  EXPECT_EQ(results[0]->write, WriteResult::applied);
  EXPECT_EQ(results[1]->write, WriteResult::stale);
  EXPECT_EQ(results[2]->read.status, Status::hit);
  EXPECT_EQ(results[2]->read.body, "one");
  EXPECT_EQ(results[3]->write, WriteResult::applied);
  EXPECT_EQ(results[4]->write, WriteResult::applied);
  ASSERT_FALSE(results[5]);
  EXPECT_EQ(results[5].error().code, ErrorCode::invalid_argument);
  ASSERT_FALSE(results[6]);
  EXPECT_EQ(results[6].error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(results[7]->read.status, Status::miss);
  EXPECT_EQ(results[8]->read.status, Status::not_found);
  EXPECT_EQ(results[8]->read.version, 8u);
  EXPECT_EQ(cli({"EXISTS", item_key("bad-version")}), "0");
}

// start_batch / send_ahead / finish_batch: what execute() answers, each op in its place, with the
// ops sent ahead applied before the finish.
TEST_F(ItemCacheTest, BatchSentAheadAnswersEachOpInPlace) {
  const std::string body(1024, 'b');
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i)
    ids.push_back(testing::numbered("ahead-", i));
  ids[5] = "";  // invalid: refused alone, sent ahead
  std::vector<CacheOp> ops;
  for (const std::string& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 2, body));
  ops[250] = CacheOp::apply_if_newer("late", kMaxVersion + 1, body);  // invalid, in the rest
  ops[299] = CacheOp::get(ids[0]);                                    // reads the batch's write

  cache_->start_batch(Deadline::never());
  cache_->send_ahead(std::span(ops).first(100));
  cache_->send_ahead(std::span(ops).subspan(100, 100));
  EXPECT_TRUE(streamcache::testing::wait_until([&] { return raw_get(ids[0]).size() > 0; }));
  BatchResults results;
  cache_->finish_batch(ops, results, Deadline::never());
  ASSERT_EQ(results.size(), ops.size());
  for (std::size_t i = 0; i < 299; ++i) {
    if (i == 5 || i == 250) {
      ASSERT_FALSE(results[i]) << i;
      EXPECT_EQ(results[i].error().code, ErrorCode::invalid_argument) << i;
    } else {
      ASSERT_TRUE(results[i]) << i << " " << describe(results[i].error());
      EXPECT_EQ(results[i]->write, WriteResult::applied) << i;
    }
  }
  ASSERT_TRUE(results[299]);
  EXPECT_EQ(results[299]->read.body, body);
  EXPECT_EQ(cli({"DBSIZE"}), "297");

  // The next call is a plain one on the same connection: every write is now stale.
  ops.resize(299);
  auto again = cache_->execute(ops);
  EXPECT_EQ(again[0]->write, WriteResult::stale);
  EXPECT_EQ(again[298]->write, WriteResult::stale);
}

TEST_F(ItemCacheTest, ScriptFlushedWhileABatchIsSentAheadIsLoadedAgain) {
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i)
    ids.push_back(testing::numbered("flushed-", i));
  std::vector<CacheOp> ops;
  for (const std::string& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, id));
  cache_->start_batch(Deadline::never());
  cache_->send_ahead(std::span(ops).first(50));
  ASSERT_EQ(cli({"SCRIPT", "FLUSH"}), "OK");
  BatchResults results;
  cache_->finish_batch(ops, results, Deadline::never());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    ASSERT_TRUE(results[i]) << i << " " << describe(results[i].error());
    EXPECT_EQ(results[i]->write, WriteResult::applied) << i;
  }
  EXPECT_EQ(get(ids[99]).body, ids[99]);
}

TEST_F(ItemCacheTest, ReplayingTheSameBatchChangesNothing) {
  std::vector<std::string> ids, bodies;
  for (int i = 0; i < 60; ++i) {
    ids.push_back(testing::numbered("replay-", i));
    bodies.push_back(R"({"n":)" + std::to_string(i) + "}");
  }
  std::vector<CacheOp> ops;
  for (int i = 0; i < 60; ++i) {
    const auto v = static_cast<Version>(1000 + i);
    switch (i % 3) {
      case 0:
        ops.push_back(CacheOp::apply_if_newer(ids[i], v, bodies[i]));
        break;
      case 1:
        ops.push_back(CacheOp::apply_if_newer(ids[i], v, bodies[i]));
        ops.push_back(CacheOp::tombstone_if_newer(ids[i], v + 1));
        break;
      default:
        ops.push_back(CacheOp::fill_negative(ids[i]));
        break;
    }
  }
  for (const auto& result : cache_->execute(ops)) {
    ASSERT_TRUE(result) << describe(result.error());
    EXPECT_EQ(result->write, WriteResult::applied);
  }
  std::map<std::string, std::pair<std::string, long long>> before;
  for (const auto& id : ids)
    before[id] = {raw_get(id), raw_pttl(id)};

  for (const auto& result : cache_->execute(ops)) {
    ASSERT_TRUE(result) << describe(result.error());
    EXPECT_EQ(result->write, WriteResult::stale);
  }
  for (const auto& id : ids) {
    EXPECT_EQ(raw_get(id), before[id].first) << id;
    EXPECT_LE(raw_pttl(id), before[id].second) << id << ": the replay touched the TTL";
  }
}

TEST_F(ItemCacheTest, ArbitraryIdsRoundTripAndNeverCollide) {
  const std::vector<std::string> ids = {"a}b", "a%7Db",      "{x}",   "user:42",
                                        "50%", "with space", "é-ü-✓", std::string("nul\0byte", 8),
                                        "}",   "{"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(apply(ids[i], i + 1, testing::numbered("body-", i)), WriteResult::applied) << i;
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto result = get(ids[i]);
    EXPECT_EQ(result.status, Status::hit) << i;
    EXPECT_EQ(result.version, i + 1) << i;
    EXPECT_EQ(result.body, testing::numbered("body-", i)) << i;
  }
  EXPECT_EQ(cli({"EXISTS", "item:{a%7Db}"}), "1");
  EXPECT_EQ(cli({"EXISTS", "item:{a%257Db}"}), "1");
  EXPECT_EQ(cli({"DBSIZE"}), std::to_string(ids.size()));
}

TEST_F(ItemCacheTest, ForeignValueIsAMissAndGetsOverwritten) {
  ASSERT_EQ(cli({"SET", item_key("legacy"), "{\"written\":\"by another tool\"}"}), "OK");
  EXPECT_EQ(get("legacy").status, Status::miss);
  EXPECT_EQ(apply("legacy", 1, "ours"), WriteResult::applied);
  EXPECT_EQ(get("legacy").body, "ours");
}

TEST_F(ItemCacheTest, WrongTypeKeyFailsOnlyItsOwnOp) {
  ASSERT_EQ(cli({"HSET", item_key("hash"), "f", "v"}), "1");
  const std::vector<CacheOp> ops = {CacheOp::apply_if_newer("hash", 1, "x"), CacheOp::get("hash"),
                                    CacheOp::apply_if_newer("fine", 1, "y")};
  auto results = cache_->execute(ops);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, ErrorCode::reply);
  EXPECT_NE(results[0].error().message.find("WRONGTYPE"), std::string::npos)
      << results[0].error().message;
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, ErrorCode::reply);
  ASSERT_TRUE(results[2]);
  EXPECT_EQ(results[2]->write, WriteResult::applied);
}

TEST_F(ItemCacheTest, RecoversWhenTheServerForgetsTheScript) {
  ASSERT_EQ(apply("a", 1, "x"), WriteResult::applied);
  ASSERT_EQ(cli({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(apply("a", 2, "y"), WriteResult::applied);
  ASSERT_EQ(cli({"SCRIPT", "FLUSH"}), "OK");
  const std::vector<CacheOp> ops = {CacheOp::apply_if_newer("a", 3, "z"), CacheOp::get("a"),
                                    CacheOp::tombstone_if_newer("b", 4)};
  auto results = cache_->execute(ops);
  ASSERT_TRUE(results[0] && results[1] && results[2]);
  EXPECT_EQ(results[0]->write, WriteResult::applied);
  EXPECT_EQ(results[1]->read.body, "z");
  EXPECT_EQ(results[2]->write, WriteResult::applied);
}

TEST_F(ItemCacheTest, ScriptShaMatchesTheServers) {
  EXPECT_EQ(cli({"SCRIPT", "LOAD", std::string(kSetIfNewerScript)}), set_if_newer_sha());
  EXPECT_EQ(cli({"SCRIPT", "EXISTS", set_if_newer_sha()}), "1");
}

TEST_F(ItemCacheTest, InvalidInputNeverReachesRedis) {
  auto too_big = cache_->apply_if_newer("a", kMaxVersion + 1, "x");
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::invalid_argument);
  auto tomb = cache_->tombstone_if_newer("a", ~Version{0});
  ASSERT_FALSE(tomb);
  EXPECT_EQ(tomb.error().code, ErrorCode::invalid_argument);
  auto empty = cache_->get("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(cli({"DBSIZE"}), "0");
  EXPECT_EQ(apply("a", kMaxVersion, "max"), WriteResult::applied);
  EXPECT_EQ(get("a").version, kMaxVersion);
}

TEST_F(ItemCacheTest, LargeBodiesAndLargeBatches) {
  std::string big(3 << 20, 'x');
  big.front() = '{';
  big.back() = '}';
  ASSERT_EQ(apply("big", 1, big), WriteResult::applied);
  EXPECT_EQ(get("big").body, big);

  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i)
    ids.push_back(testing::numbered("many-", i));
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, id));
  for (const auto& id : ids)
    ops.push_back(CacheOp::get(id));
  auto results = cache_->execute(ops);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(results[i] && results[i + ids.size()]);
    EXPECT_EQ(results[i]->write, WriteResult::applied);
    EXPECT_EQ(results[i + ids.size()]->read.body, ids[i]);
  }
}

// Property: whatever the interleaving of threads and order of ops, every key ends at the op with
// the highest version (an item's body, or a tombstone), never at an older one.
TEST_F(ItemCacheTest, ConcurrentWritersConvergeOnTheMaximumVersion) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed) +
               " (rerun with STREAMCACHE_TEST_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 random(seed);
  constexpr int kThreads = 4, kIds = 12, kOpsPerId = 150;

  struct Op {
    std::string id;
    Version version;
    OpKind kind;
    std::string body;
  };
  std::vector<Op> all;
  std::map<std::string, Op> winner;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = testing::numbered("race-", i);
    std::set<Version> versions;
    while (versions.size() < kOpsPerId)
      versions.insert(1 + random() % 1000000);
    for (Version v : versions) {
      const OpKind kind = random() % 5 == 0 ? OpKind::tombstone : OpKind::apply;
      Op op{id, v, kind, kind == OpKind::apply ? id + "@" + std::to_string(v) : ""};
      if (!winner.contains(id) || v > winner[id].version) winner[id] = op;
      all.push_back(std::move(op));
    }
    all.push_back(Op{id, 0, OpKind::negative, ""});  // a late miss fill must never win
  }
  std::shuffle(all.begin(), all.end(), random);

  std::vector<std::vector<Op>> shares(kThreads);
  for (std::size_t i = 0; i < all.size(); ++i)
    shares[i % kThreads].push_back(all[i]);
  std::vector<std::uint64_t> thread_seeds;
  for (int t = 0; t < kThreads; ++t)
    thread_seeds.push_back(random());
  std::vector<std::string> failures(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto cache = ItemCache::create(testing::local_options(server_->port()));
      if (!cache) {
        failures[t] = describe(cache.error());
        return;
      }
      std::mt19937_64 local(thread_seeds[t]);
      const auto& mine = shares[t];
      for (std::size_t pos = 0; pos < mine.size();) {
        const std::size_t n = std::min<std::size_t>(1 + local() % 16, mine.size() - pos);
        std::vector<CacheOp> ops;
        for (std::size_t k = pos; k < pos + n; ++k) {
          const Op& op = mine[k];
          ops.push_back(
              op.kind == OpKind::apply       ? CacheOp::apply_if_newer(op.id, op.version, op.body)
              : op.kind == OpKind::tombstone ? CacheOp::tombstone_if_newer(op.id, op.version)
                                             : CacheOp::fill_negative(op.id));
        }
        for (const auto& result : cache->execute(ops)) {
          if (!result && failures[t].empty()) failures[t] = describe(result.error());
        }
        pos += n;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[t], "") << "thread " << t;

  for (const auto& [id, op] : winner) {
    auto result = get(id);
    EXPECT_EQ(result.version, op.version) << id;
    if (op.kind == OpKind::apply) {
      EXPECT_EQ(result.status, Status::hit) << id;
      EXPECT_EQ(result.body, op.body) << id;
    } else {
      EXPECT_EQ(result.status, Status::not_found) << id;
    }
  }
}

}  // namespace
}  // namespace streamcache::cache
