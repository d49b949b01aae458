// The cluster item cache against a real local Redis Cluster (3 primaries, 3 replicas), shared by
// the suite: the fixture itself, every operation, batches across every primary, live slot
// migration (MOVED and ASK), a primary killed and its replica promoted while writes run, and
// NOSCRIPT on one node.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cache/cluster_item_cache.h"
#include "cache/hash_slot.h"
#include "cache/item_cache_factory.h"
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

std::string first_error(const BatchResults& results) {
  for (const auto& result : results) {
    if (!result) return describe(result.error());
  }
  return "no error";
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

// Every kind of op, each id's ops on its own primary, the primaries interleaved: each result is
// the one its own op must have, so a reply read from the wrong node or out of order shows.
TEST_F(ClusterTest, AMixedBatchAcrossEveryPrimaryAnswersEachOpWithItsOwnResult) {
  auto cache = make_cache();
  const auto ids = ids_across_primaries(20, "mixed-");
  const std::string old_body = body_of(5);
  std::vector<CacheOp> seed_ops;
  for (std::size_t k = 0; k < ids.size(); k += 2)  // even ids start at version 5
    seed_ops.push_back(CacheOp::apply_if_newer(ids[k], 5, old_body));
  for (const auto& result : cache.execute(seed_ops))
    ASSERT_TRUE(result) << describe(result.error());

  std::vector<std::string> bodies;
  for (std::size_t k = 0; k < ids.size(); ++k)
    bodies.push_back(body_of(100 + k));
  struct Expect {
    std::optional<WriteResult> write;
    std::optional<Status> read;
    Version version = 0;
    std::string body;
  };
  std::vector<CacheOp> ops;
  std::vector<Expect> expected;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::string& id = ids[k];
    // Even k: the id is at version 5; odd k: absent.
    switch (k % 6) {
      case 0:  // newer over 5, then read back
        ops.push_back(CacheOp::apply_if_newer(id, 6 + k, bodies[k]));
        expected.push_back({WriteResult::applied, {}, 0, {}});
        ops.push_back(CacheOp::get(id));
        expected.push_back({{}, Status::hit, 6 + k, bodies[k]});
        break;
      case 2:  // older than 5: stale, the old entry stays
        ops.push_back(CacheOp::apply_if_newer(id, 4, bodies[k]));
        expected.push_back({WriteResult::stale, {}, 0, {}});
        ops.push_back(CacheOp::get(id));
        expected.push_back({{}, Status::hit, 5, old_body});
        break;
      case 4:  // deleted
        ops.push_back(CacheOp::tombstone_if_newer(id, 7));
        expected.push_back({WriteResult::applied, {}, 0, {}});
        ops.push_back(CacheOp::get(id));
        expected.push_back({{}, Status::not_found, 0, {}});
        break;
      case 1:  // absent: a miss, then a negative entry, then found as not_found
        ops.push_back(CacheOp::get(id));
        expected.push_back({{}, Status::miss, 0, {}});
        ops.push_back(CacheOp::fill_negative(id));
        expected.push_back({WriteResult::applied, {}, 0, {}});
        ops.push_back(CacheOp::get(id));
        expected.push_back({{}, Status::not_found, 0, {}});
        break;
      case 3:  // absent: fenced, then a fill below the fence is stale
        ops.push_back(CacheOp::fence_if_newer(id, 9));
        expected.push_back({WriteResult::applied, {}, 0, {}});
        ops.push_back(CacheOp::apply_if_newer(id, 8, bodies[k]));
        expected.push_back({WriteResult::stale, {}, 0, {}});
        break;
      default:  // absent: a plain fill
        ops.push_back(CacheOp::apply_if_newer(id, 1, bodies[k]));
        expected.push_back({WriteResult::applied, {}, 0, {}});
        break;
    }
  }
  const BatchResults results = cache.execute(ops);
  ASSERT_EQ(results.size(), ops.size());
  for (std::size_t j = 0; j < ops.size(); ++j) {
    SCOPED_TRACE(testing::numbered("op ", static_cast<long long>(j)) + " on " +
                 std::string(ops[j].id));
    ASSERT_TRUE(results[j]) << describe(results[j].error());
    if (expected[j].write) {
      EXPECT_EQ(results[j]->write, *expected[j].write);
      continue;
    }
    EXPECT_EQ(results[j]->read.status, *expected[j].read);
    if (*expected[j].read == Status::hit) {
      EXPECT_EQ(results[j]->read.version, expected[j].version);
      EXPECT_EQ(results[j]->read.body, expected[j].body);
    }
  }
  EXPECT_EQ(cache.stats().moved, 0u);
}

// CLIENT PAUSE WRITE on one node while alive: its scripts wait (EVALSHA may write), reads go on.
class WritesPaused {
 public:
  WritesPaused(RedisCluster& cluster, std::size_t node) : cluster_(cluster), node_(node) {
    const Reply paused = cluster_.command(node_, {"CLIENT", "PAUSE", "120000", "WRITE"});
    if (paused.str != "OK") throw std::runtime_error("CLIENT PAUSE: " + paused.str);
  }
  ~WritesPaused() { resume(); }
  WritesPaused(const WritesPaused&) = delete;
  WritesPaused& operator=(const WritesPaused&) = delete;
  void resume() {
    if (resumed_) return;
    resumed_ = true;
    try {
      (void)cluster_.command(node_, {"CLIENT", "UNPAUSE"});
    } catch (const std::exception& e) {
      ADD_FAILURE() << "CLIENT UNPAUSE: " << e.what();
    }
  }

 private:
  RedisCluster& cluster_;
  std::size_t node_;
  bool resumed_ = false;
};

// The batch's first node stalls (its writes paused) with a command timeout far away: the other
// primaries have already run their share, as their own data shows, while the stalled one still
// holds its commands. Asked one after the other, they would wait behind it.
TEST_F(ClusterTest, EveryNodeOfABatchIsInFlightAtOnce) {
  ConnectionOptions seed = seed_options(cluster_->port(seed_index()));
  seed.command_timeout = std::chrono::minutes(2);
  auto created = ClusterItemCache::create(seed);
  ASSERT_TRUE(created);
  ClusterItemCache& cache = *created;
  const auto ids = ids_across_primaries(5, "parallel-");
  const std::string body = body_of(1);
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::get(id));
  for (const auto& result : cache.execute(ops))  // every node connected, the map read
    ASSERT_TRUE(result) << describe(result.error());
  ops.clear();
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));

  const std::size_t stalled = cluster_->primary_of_slot(hash_slot(item_key(ids[0])));
  std::vector<std::string> elsewhere;
  std::vector<std::string> on_stalled;
  for (const auto& id : ids) {
    (cluster_->primary_of_slot(hash_slot(item_key(id))) == stalled ? on_stalled : elsewhere)
        .push_back(id);
  }
  WritesPaused paused(*cluster_, stalled);
  BatchResults results;
  std::thread batch([&] { results = cache.execute(ops); });
  const bool others_done = wait_until([&] {
    return std::all_of(elsewhere.begin(), elsewhere.end(),
                       [&](const std::string& id) { return !stored(id).is_nil(); });
  });
  const bool stalled_untouched =
      std::all_of(on_stalled.begin(), on_stalled.end(),
                  [&](const std::string& id) { return stored(id).is_nil(); });
  paused.resume();
  batch.join();
  EXPECT_TRUE(others_done) << "the other primaries waited behind the stalled one";
  EXPECT_TRUE(stalled_untouched) << "the stalled primary was not stalled";
  ASSERT_EQ(results.size(), ops.size());
  for (const auto& result : results) {
    ASSERT_TRUE(result) << describe(result.error());
    EXPECT_EQ(result->write, WriteResult::applied);
  }
  for (const auto& id : ids)
    EXPECT_EQ(stored(id).str.substr(kHeaderSize), body) << id;
}

// One node stalls past the batch's budget: its ops fail at the deadline, and the others' results
// (and writes) are there, not lost behind it.
TEST_F(ClusterTest, ANodeThatStallsFailsAtTheDeadlineWithTheOthersResultsReported) {
  ConnectionOptions seed = seed_options(cluster_->port(seed_index()));
  seed.command_timeout = std::chrono::minutes(2);  // the budget is what ends the wait
  auto created = ClusterItemCache::create(seed);
  ASSERT_TRUE(created);
  ClusterItemCache& cache = *created;
  const auto ids = ids_across_primaries(5, "stall-");
  const std::string body = body_of(1);
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::get(id));
  for (const auto& result : cache.execute(ops))
    ASSERT_TRUE(result) << describe(result.error());
  ops.clear();
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));

  const std::size_t stalled = cluster_->primary_of_slot(hash_slot(item_key(ids[0])));
  WritesPaused paused(*cluster_, stalled);
  const BatchResults results = cache.execute(ops, Deadline::after(std::chrono::seconds(2)));
  ASSERT_EQ(results.size(), ops.size());
  std::size_t failed = 0;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    SCOPED_TRACE(ids[k]);
    if (cluster_->primary_of_slot(hash_slot(item_key(ids[k]))) == stalled) {
      ++failed;
      ASSERT_FALSE(results[k]);
      EXPECT_EQ(results[k].error().code, ErrorCode::unavailable);
      EXPECT_NE(results[k].error().message.find("no reply within"), std::string::npos)
          << describe(results[k].error());
      EXPECT_TRUE(stored(ids[k]).is_nil());
    } else {
      ASSERT_TRUE(results[k]) << describe(results[k].error());
      EXPECT_EQ(results[k]->write, WriteResult::applied);
      EXPECT_EQ(stored(ids[k]).str.substr(kHeaderSize), body);
    }
  }
  EXPECT_EQ(failed, 5u);
}

// Each node's share (about 13 MB up, as much down) is far larger than the socket buffers, and
// every write is followed by a read of the same large body: the pipeline is written while its
// replies are read. Every op's result is checked.
TEST_F(ClusterTest, ABatchLargerThanTheSocketBuffersIsWrittenWhileItsRepliesAreRead) {
  ConnectionOptions seed = seed_options(cluster_->port(seed_index()));
  seed.command_timeout = std::chrono::minutes(2);  // a loaded CI machine moves 80 MB slowly
  auto created = ClusterItemCache::create(seed);
  ASSERT_TRUE(created);
  ClusterItemCache& cache = *created;
  constexpr std::size_t kIds = 5000;
  const auto ids = ids_across_primaries(kIds / 3 + 1, "large-");
  std::vector<std::string> bodies;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    std::string body(8 * 1024, static_cast<char>('a' + k % 26));
    body.replace(0, 20, testing::numbered("body-", static_cast<long long>(k)));
    bodies.push_back(std::move(body));
  }
  std::vector<CacheOp> ops;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ops.push_back(CacheOp::apply_if_newer(ids[k], 1, bodies[k]));
    ops.push_back(CacheOp::get(ids[k]));
  }
  ASSERT_GE(ops.size(), 10000u);
  const BatchResults results = cache.execute(ops);
  ASSERT_EQ(results.size(), ops.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ASSERT_TRUE(results[2 * k]) << describe(results[2 * k].error());
    EXPECT_EQ(results[2 * k]->write, WriteResult::applied);
    ASSERT_TRUE(results[2 * k + 1]) << describe(results[2 * k + 1].error());
    EXPECT_EQ(results[2 * k + 1]->read.version, 1u);
    EXPECT_TRUE(results[2 * k + 1]->read.body == bodies[k]) << ids[k];
  }
}

// Another primary than the one serving `slot`.
std::size_t other_primary(RedisCluster& cluster, std::uint16_t slot) {
  const std::size_t from = cluster.primary_of_slot(slot);
  for (std::size_t p : cluster.primaries()) {
    if (p != from) return p;
  }
  throw std::runtime_error("no other primary");
}

// `count` ids whose keys all hash to one slot: the same hash tag is impossible (the tag is the
// id), so search ids until enough share the slot of the first.
std::vector<std::string> ids_in_one_slot(std::size_t count, std::string_view prefix) {
  std::map<std::uint16_t, std::vector<std::string>> by_slot;
  for (long long n = 0;; ++n) {
    std::string id = testing::numbered(prefix, n);
    auto& same = by_slot[hash_slot(item_key(id))];
    same.push_back(std::move(id));
    if (same.size() == count) return same;
  }
}

// A batch sent ahead (start_batch / send_ahead / finish_batch): each primary has applied its
// first ops before the finish, and the finish answers every op in place as execute() does.
TEST_F(ClusterTest, ABatchSentAheadReachesEveryPrimaryBeforeItsFinish) {
  auto cache = make_cache();
  const auto ids = ids_across_primaries(100, "ahead-");
  const std::string body(1024, 'b');
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));
  ops.push_back(CacheOp::get(""));  // invalid: fails alone
  for (std::size_t k = 0; k < 3; ++k)
    ops.push_back(CacheOp::get(ids[k]));  // reads its write

  cache.start_batch(Deadline::never());
  for (std::size_t k = 0; k < ids.size(); ++k)
    cache.send_ahead(std::span(ops).subspan(k, 1));
  std::map<std::size_t, std::string> first_on;  // primary -> its first id
  for (const auto& id : ids)
    first_on.emplace(cluster_->primary_of_slot(hash_slot(item_key(id))), id);
  ASSERT_EQ(first_on.size(), 3u);
  for (const auto& [primary, id] : first_on) {
    EXPECT_TRUE(streamcache::testing::wait_until([&] { return !stored(id).is_nil(); }))
        << "primary " << primary;
  }
  BatchResults results;
  cache.finish_batch(ops, results, Deadline::never());
  ASSERT_EQ(results.size(), ops.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ASSERT_TRUE(results[k]) << describe(results[k].error());
    EXPECT_EQ(results[k]->write, WriteResult::applied);
  }
  EXPECT_EQ(results[ids.size()].error().code, ErrorCode::invalid_argument);
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_TRUE(results[ids.size() + 1 + k]);
    EXPECT_EQ(results[ids.size() + 1 + k]->read.body, body);
  }
  for (std::size_t primary : cluster_->primaries())
    EXPECT_EQ(cluster_->command(primary, {"DBSIZE"}).integer, 100);
  // The next batch on the same connections is a plain one: every write is now stale.
  ops.resize(ids.size());
  for (const auto& result : cache.execute(ops))
    EXPECT_EQ(result->write, WriteResult::stale);
}

// A primary stalls under a batch sent ahead: its ops fail at the budget, the others are applied.
TEST_F(ClusterTest, AStalledPrimaryFailsOnlyItsOwnOpsOfABatchSentAhead) {
  ConnectionOptions seed = seed_options(cluster_->port(seed_index()));
  seed.command_timeout = std::chrono::minutes(2);  // the budget is what ends the wait
  auto created = ClusterItemCache::create(seed);
  ASSERT_TRUE(created);
  ClusterItemCache& cache = *created;
  const auto ids = ids_across_primaries(5, "ahead-stall-");
  ASSERT_TRUE(cache.refresh_topology());
  const std::string body = body_of(1);
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));
  const std::size_t stalled = cluster_->primary_of_slot(hash_slot(item_key(ids[0])));
  WritesPaused paused(*cluster_, stalled);
  cache.start_batch(Deadline::after(std::chrono::seconds(2)));
  cache.send_ahead(ops);
  BatchResults results;
  cache.finish_batch(ops, results, Deadline::never());
  ASSERT_EQ(results.size(), ops.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    SCOPED_TRACE(ids[k]);
    if (cluster_->primary_of_slot(hash_slot(item_key(ids[k]))) == stalled) {
      ASSERT_FALSE(results[k]);
      EXPECT_EQ(results[k].error().code, ErrorCode::unavailable);
    } else {
      ASSERT_TRUE(results[k]) << describe(results[k].error());
      EXPECT_EQ(results[k]->write, WriteResult::applied);
    }
  }
}

// A node that forgets the script under a batch sent ahead: the later rounds load it and send
// its ops again, and reads sent at the finish see those writes.
TEST_F(ClusterTest, NoscriptUnderABatchSentAheadIsLoadedAndSentAgain) {
  auto cache = make_cache();
  const auto ids = ids_across_primaries(5, "ahead-noscript-");
  const std::string body = body_of(2);
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 2, body));
  for (const auto& id : ids)
    ops.push_back(CacheOp::get(id));
  ASSERT_TRUE(cache.refresh_topology());
  for (std::size_t primary : cluster_->primaries())
    ASSERT_EQ(cluster_->command(primary, {"SCRIPT", "FLUSH"}).str, "OK");
  cache.start_batch(Deadline::never());
  cache.send_ahead(std::span(ops).first(ids.size()));
  BatchResults results;
  cache.finish_batch(ops, results, Deadline::never());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ASSERT_TRUE(results[k]) << describe(results[k].error());
    EXPECT_EQ(results[k]->write, WriteResult::applied);
    ASSERT_TRUE(results[ids.size() + k]) << describe(results[ids.size() + k].error());
    EXPECT_EQ(results[ids.size() + k]->read.version, 2u);
  }
}

TEST_F(ClusterTest, RandomKeysDrawFromEveryPrimaryEvenly) {
  auto cache = make_cache();
  const Deadline budget = Deadline::after(std::chrono::seconds(10));
  auto none = cache.random_keys(5, budget);
  ASSERT_TRUE(none) << describe(none.error());
  EXPECT_TRUE(none->empty());  // empty nodes add nothing

  for (const std::string& id : ids_across_primaries(3))
    ASSERT_EQ(cache.apply_if_newer(id, 1, body_of(1)).value(), WriteResult::applied);
  auto keys = cache.random_keys(7, budget);
  ASSERT_TRUE(keys) << describe(keys.error());
  EXPECT_EQ(keys->size(), 7u);
  // A primary's RANDOMKEY answers its own keys: 7 draws over 3 primaries are 3, 2 and 2.
  std::map<std::size_t, int> drawn;
  for (const std::string& key : *keys)
    ++drawn[cluster_->primary_of_slot(hash_slot(key))];
  std::multiset<int> shares;
  for (const auto& [primary, count] : drawn)
    shares.insert(count);
  EXPECT_EQ(shares, (std::multiset<int>{2, 2, 3}));
}

TEST_F(ClusterTest, FollowsMovedAfterASlotMovedAndUpdatesItsMap) {
  auto cache = make_cache();
  const auto ids = ids_in_one_slot(3, "moved-");
  const std::uint16_t slot = hash_slot(item_key(ids[0]));
  for (const auto& id : ids)
    ASSERT_EQ(cache.apply_if_newer(id, 1, body_of(1)).value(), WriteResult::applied);
  const std::size_t to = other_primary(*cluster_, slot);
  cluster_->migrate_slot(slot, to);

  auto hit = cache.get(ids[0]);  // the old map sends it to the old owner: MOVED
  ASSERT_TRUE(hit) << describe(hit.error());
  EXPECT_EQ(hit->version, 1u);
  EXPECT_EQ(cache.stats().moved, 1u);
  EXPECT_EQ(cache.primary_of(slot)->port, cluster_->port(to));
  EXPECT_EQ(cache.apply_if_newer(ids[1], 2, body_of(2)).value(), WriteResult::applied);
  EXPECT_EQ(cache.stats().moved, 1u);  // the map was updated: no second MOVED
  EXPECT_EQ(stored(ids[1]).str.substr(kHeaderSize), body_of(2));
}

TEST_F(ClusterTest, PeriodicRefreshFindsAMovedSlotBeforeAnyMoved) {
  auto offset = std::make_shared<std::atomic<std::int64_t>>(0);  // test clock, in hours
  ConnectionOptions seed = seed_options(cluster_->port(seed_index()));
  seed.now = [offset] {
    return std::chrono::steady_clock::now() + std::chrono::hours(offset->load());
  };
  ClusterOptions options;
  options.refresh_interval = std::chrono::hours(1);
  auto cache = ClusterItemCache::create(seed, {}, options);
  ASSERT_TRUE(cache);
  const std::string id = ids_in_one_slot(1, "periodic-").front();
  const std::uint16_t slot = hash_slot(item_key(id));
  ASSERT_EQ(cache->apply_if_newer(id, 1, body_of(1)).value(), WriteResult::applied);
  const std::size_t to = other_primary(*cluster_, slot);
  cluster_->migrate_slot(slot, to);

  *offset = 2;  // the periodic refresh is due
  ASSERT_EQ(cache->get(id).value().version, 1u);
  EXPECT_EQ(cache->stats().refreshes, 2u);
  EXPECT_EQ(cache->stats().moved, 0u);  // the new map was read before the op was sent
  EXPECT_EQ(cache->primary_of(slot)->port, cluster_->port(to));
}

TEST_F(ClusterTest, FollowsAskDuringAMigrationWithoutChangingItsMap) {
  auto cache = make_cache();
  const auto ids = ids_in_one_slot(6, "ask-");
  const std::uint16_t slot = hash_slot(item_key(ids[0]));
  for (std::size_t k = 0; k < 4; ++k)
    ASSERT_EQ(cache.apply_if_newer(ids[k], 1, body_of(1)).value(), WriteResult::applied);
  const std::size_t from = cluster_->primary_of_slot(slot);
  const std::size_t to = other_primary(*cluster_, slot);
  bool checked = false;
  // Two keys per step: after the first step, two keys are on `to` and two still on `from`.
  cluster_->migrate_slot(slot, to, 2, [&] {
    if (checked) return;
    checked = true;
    std::vector<std::string> bodies = {body_of(2), body_of(3)};
    std::vector<CacheOp> ops;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      ops.push_back(CacheOp::apply_if_newer(ids[k], 2, bodies[0]));
      ops.push_back(CacheOp::get(ids[k]));
    }
    const BatchResults results = cache.execute(ops);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      ASSERT_TRUE(results[2 * k]) << describe(results[2 * k].error());
      EXPECT_EQ(results[2 * k]->write, WriteResult::applied) << ids[k];
      ASSERT_TRUE(results[2 * k + 1]) << describe(results[2 * k + 1].error());
      EXPECT_EQ(results[2 * k + 1]->read.version, 2u) << ids[k];
    }
    // Moved keys and new keys (ids 4 and 5) are on the importing node: ASK, map unchanged.
    EXPECT_GE(cache.stats().asked, 4u);
    EXPECT_EQ(cache.stats().moved, 0u);
    EXPECT_EQ(cache.primary_of(slot)->port, cluster_->port(from));
  });
  ASSERT_TRUE(checked);
  for (const auto& id : ids) {
    auto hit = cache.get(id);
    ASSERT_TRUE(hit) << describe(hit.error());
    EXPECT_EQ(hit->version, 2u) << id;
  }
  EXPECT_EQ(cache.primary_of(slot)->port, cluster_->port(to));
}

TEST_F(ClusterTest, SlotsMigratedLiveDuringWritesKeepEveryIdAtItsNewestVersion) {
  const auto ids = ids_across_primaries(40, "live-");
  std::atomic<bool> stop{false};
  std::atomic<Version> rounds{0};
  std::atomic<std::uint64_t> moved{0};
  std::atomic<std::uint64_t> asked{0};
  std::string writer_error;
  // Version r for every id in round r, as one batch; failed ops go again until they apply, like
  // the stream handler's retries.
  auto cache = make_cache();  // here: the fixture is not thread-safe
  std::thread writer([&] {
    std::vector<std::string> bodies(ids.size());
    std::vector<CacheOp> ops;
    BatchResults results;
    for (Version round = 1; !stop || round <= 3; ++round) {
      for (std::size_t k = 0; k < ids.size(); ++k)
        bodies[k] = body_of(round);
      std::vector<std::size_t> todo(ids.size());
      for (std::size_t k = 0; k < ids.size(); ++k)
        todo[k] = k;
      for (int attempt = 0; !todo.empty(); ++attempt) {
        if (attempt == 100) {
          writer_error = "round " + std::to_string(round) + ": " + first_error(results);
          return;
        }
        ops.clear();
        for (std::size_t k : todo)
          ops.push_back(CacheOp::apply_if_newer(ids[k], round, bodies[k]));
        cache.execute(ops, results);
        std::vector<std::size_t> failed;
        for (std::size_t j = 0; j < todo.size(); ++j) {
          if (!results[j]) {
            failed.push_back(todo[j]);
          } else if (results[j]->write != WriteResult::applied) {
            writer_error = "round " + std::to_string(round) + ": a write was stale";
            return;
          }
        }
        todo = std::move(failed);
      }
      rounds = round;
      moved = cache.stats().moved;
      asked = cache.stats().asked;
    }
  });
  // Move slots the ids use to another primary, a few keys per step, while the writes run.
  ASSERT_TRUE(wait_until([&] { return rounds >= 1; }));
  for (std::size_t k = 0; k < ids.size() && writer_error.empty(); k += 8) {
    const std::uint16_t slot = hash_slot(item_key(ids[k]));
    cluster_->migrate_slot(slot, other_primary(*cluster_, slot), 3);
  }
  stop = true;
  writer.join();
  ASSERT_EQ(writer_error, "");
  EXPECT_GT(moved, 0u);  // the writer met the moved slots, and keys mid-move
  EXPECT_GT(asked, 0u);
  const Version last = rounds;
  auto fresh = make_cache();
  for (const auto& id : ids) {
    auto hit = fresh.get(id);
    ASSERT_TRUE(hit) << describe(hit.error());
    EXPECT_EQ(hit->status, Status::hit) << id;
    EXPECT_EQ(hit->version, last) << id;
    EXPECT_EQ(hit->body, body_of(last)) << id;
  }
}

TEST_F(ClusterTest, NoscriptAfterScriptFlushOnOneNode) {
  auto cache = make_cache();
  const auto ids = ids_across_primaries(5, "noscript-");
  std::vector<std::string> bodies = {body_of(1), body_of(2)};
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, bodies[0]));
  for (const auto& result : cache.execute(ops))
    ASSERT_TRUE(result) << describe(result.error());

  const std::size_t flushed = cluster_->primaries().front();
  ASSERT_EQ(cluster_->command(flushed, {"SCRIPT", "FLUSH"}).str, "OK");
  ops.clear();
  for (const auto& id : ids) {
    ops.push_back(CacheOp::apply_if_newer(id, 2, bodies[1]));
    ops.push_back(CacheOp::get(id));
  }
  const BatchResults results = cache.execute(ops);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ASSERT_TRUE(results[2 * k]) << describe(results[2 * k].error());
    EXPECT_EQ(results[2 * k]->write, WriteResult::applied);
    ASSERT_TRUE(results[2 * k + 1]) << describe(results[2 * k + 1].error());
    EXPECT_EQ(results[2 * k + 1]->read.version, 2u);  // the read follows its resent write
  }
  const Reply exists =
      cluster_->command(flushed, {"SCRIPT", "EXISTS", std::string_view(set_if_newer_sha())});
  EXPECT_EQ(exists.elements.at(0).integer, 1);
}

TEST_F(ClusterTest, APrimaryKilledAndItsReplicaPromotedWhileWritesRun) {
  const auto ids = ids_across_primaries(30, "failover-");
  std::atomic<bool> stop{false};
  std::atomic<Version> rounds{0};
  std::atomic<Version> promoted_at{0};
  std::atomic<std::uint64_t> refreshes{0};
  std::string writer_error;
  ClusterOptions options;
  options.refresh_interval = std::chrono::hours(1);  // only errors lead to the new primary
  auto cache = make_cache(options);                  // here: the fixture is not thread-safe
  std::thread writer([&] {
    std::vector<std::string> bodies(ids.size());
    std::vector<CacheOp> ops;
    BatchResults results;
    for (Version round = 1; !stop; ++round) {
      for (std::size_t k = 0; k < ids.size(); ++k)
        bodies[k] = body_of(round);
      std::vector<std::size_t> todo(ids.size());
      for (std::size_t k = 0; k < ids.size(); ++k)
        todo[k] = k;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!todo.empty()) {
        if (std::chrono::steady_clock::now() > give_up) {
          writer_error = "round " + std::to_string(round) + ": " + first_error(results);
          return;
        }
        ops.clear();
        for (std::size_t k : todo)
          ops.push_back(CacheOp::apply_if_newer(ids[k], round, bodies[k]));
        cache.execute(ops, results);
        std::vector<std::size_t> failed;
        for (std::size_t j = 0; j < todo.size(); ++j) {
          if (!results[j]) failed.push_back(todo[j]);
        }
        todo = std::move(failed);
        if (!todo.empty()) cache.end_backoff();  // this loop paces itself, like the handler
      }
      rounds = round;
      refreshes = cache.stats().refreshes;
    }
  });
  ASSERT_TRUE(wait_until([&] { return rounds >= 3; }));
  const std::size_t victim = cluster_->primary_of_slot(hash_slot(item_key(ids[0])));
  const std::size_t replica = cluster_->replicas_of(victim).at(0);
  cluster_->node(victim).kill();
  ASSERT_EQ(cluster_->command(replica, {"CLUSTER", "FAILOVER", "TAKEOVER"}).str, "OK");
  ASSERT_TRUE(wait_until(
      [&] { return cluster_->command(replica, {"ROLE"}).elements.at(0).str == "master"; }));
  promoted_at = rounds.load();
  // The writer must finish rounds that started after the promotion: it found the new primary.
  const bool progressed =
      wait_until([&] { return rounds >= promoted_at + 3; }, std::chrono::seconds(60));
  stop = true;
  writer.join();
  ASSERT_EQ(writer_error, "");
  ASSERT_TRUE(progressed);
  EXPECT_GE(refreshes, 2u);  // the lost primary led to a new map (the periodic one is 1 h away)
  const Version last = rounds;
  auto fresh = make_cache();
  for (const auto& id : ids) {
    auto hit = fresh.get(id);
    ASSERT_TRUE(hit) << describe(hit.error());
    EXPECT_EQ(hit->version, last) << id;
  }
  EXPECT_EQ(fresh.primary_of(hash_slot(item_key(ids[0])))->port, cluster_->port(replica));
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

// One URL either way: `auto` asks the server and becomes the cluster client or the single-node one.
// The ElastiCache user Terraform creates (infra/modules/cache/users.tf) cannot run INFO.
TEST_F(ClusterTest, DetectionWorksForAUserWithoutDangerousCommands) {
  constexpr const char* kAccess[] = {"on", ">app-secret", "~*", "+@all", "-@dangerous"};
  auto as_app_user = [](int port) {
    ConnectionOptions options = seed_options(port);
    options.endpoint.username = "app";
    options.endpoint.password = "app-secret";
    return options;
  };
  for (std::size_t i = 0; i < cluster_->size(); ++i) {
    std::vector<std::string> setuser = {"ACL", "SETUSER", "app"};
    setuser.insert(setuser.end(), std::begin(kAccess), std::end(kAccess));
    ASSERT_EQ(cluster_->command(i, setuser).str, "OK");
  }
  const auto ids = ids_across_primaries(6, "acl-detect-");
  const std::string body = body_of(1);
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));
  BatchResults results;

  auto on_cluster =
      make_item_cache(as_app_user(cluster_->port(seed_index())), {}, ClusterMode::detect);
  ASSERT_TRUE(on_cluster) << describe(on_cluster.error());
  (*on_cluster)->execute(ops, results, Deadline::never());
  for (const auto& result : results)
    ASSERT_TRUE(result) << describe(result.error());

  streamcache::testing::RedisServer single;
  std::vector<std::string> setuser = {"ACL", "SETUSER", "app"};
  setuser.insert(setuser.end(), std::begin(kAccess), std::end(kAccess));
  ASSERT_EQ(single.cli(setuser), "OK");
  auto on_single = make_item_cache(as_app_user(single.port()), {}, ClusterMode::detect);
  ASSERT_TRUE(on_single);
  (*on_single)->execute(ops, results, Deadline::never());
  for (const auto& result : results)
    ASSERT_TRUE(result) << describe(result.error());
  EXPECT_EQ(single.cli({"DBSIZE"}), std::to_string(ids.size()));
}

TEST_F(ClusterTest, DetectedModeUsesTheClusterClientOnAClusterAndItemCacheOnOneNode) {
  const auto ids = ids_across_primaries(20, "detect-");
  std::vector<std::string> bodies = {body_of(1)};
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, bodies[0]));

  auto on_cluster =
      make_item_cache(seed_options(cluster_->port(seed_index())), {}, ClusterMode::detect);
  ASSERT_TRUE(on_cluster) << describe(on_cluster.error());
  BatchResults results;
  (*on_cluster)->execute(ops, results, Deadline::never());
  for (const auto& result : results)
    ASSERT_TRUE(result) << describe(result.error());  // a single-node client would meet MOVED

  // Forced to one node on a cluster: the keys of other primaries answer MOVED.
  auto forced = make_item_cache(seed_options(cluster_->port(seed_index())), {}, ClusterMode::off);
  ASSERT_TRUE(forced);
  (*forced)->execute(ops, results, Deadline::never());
  EXPECT_TRUE(std::any_of(results.begin(), results.end(), [](const auto& r) {
    return !r && r.error().message.find("MOVED") != std::string::npos;
  }));

  streamcache::testing::RedisServer single;
  auto on_single = make_item_cache(seed_options(single.port()), {}, ClusterMode::detect);
  ASSERT_TRUE(on_single);
  (*on_single)->execute(ops, results, Deadline::never());
  for (const auto& result : results)
    ASSERT_TRUE(result) << describe(result.error());
  EXPECT_EQ(single.cli({"DBSIZE"}), std::to_string(ids.size()));
}

}  // namespace
}  // namespace streamcache::cache
