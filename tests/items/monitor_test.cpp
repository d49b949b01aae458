// The consistency monitor's rules and run without a network: the table is FakeStore, the cache
// is FakeCache (fakes.h) read through a sampler, and the grace window is a callback that moves
// the world on (a stream record landing) instead of a sleep.
#include "items/monitor.h"

#include <gtest/gtest.h>

#include "fakes.h"
#include "items/monitor_sampler.h"

namespace streamcache::items {
namespace {

using testing::FakeCache;
using testing::FakeStore;
using Kind = cache::EntryKind;

// Samples every entry of a FakeCache (in key order), fences included.
class FakeSampler : public CacheSampler {
 public:
  explicit FakeSampler(FakeCache& cache) : cache_(cache) {}
  Expected<std::vector<std::string>, cache::Error> sample_ids(std::size_t count,
                                                              Deadline) override {
    if (cache_.down) return unexpected(cache::Error{cache::ErrorCode::unavailable, "down"});
    std::vector<std::string> ids;
    for (const auto& [id, entry] : cache_.entries) {
      if (ids.size() == count) break;
      ids.push_back(id);
    }
    return ids;
  }
  Expected<std::vector<std::optional<CachedEntry>>, cache::Error> read(
      std::span<const std::string> ids, Deadline) override {
    ++reads;
    if (cache_.down) return unexpected(cache::Error{cache::ErrorCode::unavailable, "down"});
    std::vector<std::optional<CachedEntry>> out;
    for (const auto& id : ids) {
      auto it = cache_.entries.find(id);
      if (it == cache_.entries.end()) {
        out.emplace_back();
      } else {
        out.push_back(
            CachedEntry{static_cast<Kind>(it->second.kind), it->second.version, it->second.body});
      }
    }
    return out;
  }
  int reads = 0;

 private:
  FakeCache& cache_;
};

json::Value row(std::string_view text) {
  return *json::parse(text);
}
CachedEntry item(Version v, std::string body) {
  return {Kind::item, v, std::move(body)};
}

TEST(MonitorRules, AnItemIsRightOnlyAtTheTablesVersionWithTheTablesBytes) {
  const auto live = row(R"({"version":5,"id":"a","n":1})");
  EXPECT_EQ(judge_entry(item(5, R"({"id":"a","n":1,"version":5})"), live).verdict,
            Verdict::consistent);
  EXPECT_EQ(judge_entry(item(5, R"({"id":"a","n":2,"version":5})"), live).rule,
            "body-differs-at-same-version");
  EXPECT_EQ(judge_entry(item(6, R"({"id":"a","n":1,"version":6})"), live).rule,
            "item-ahead-of-table");
  EXPECT_EQ(judge_entry(item(4, R"({"id":"a","version":4})"), live).verdict, Verdict::lagging);
}

TEST(MonitorRules, AnItemOverADeleteOrNoRowIsLaggingUnlessAboveTheMarker) {
  const auto marker = deleted_marker("a", 9, 1'700'000'000'000'000);
  EXPECT_EQ(judge_entry(item(8, "{}"), marker).verdict, Verdict::lagging);
  EXPECT_EQ(judge_entry(item(9, "{}"), marker).rule, "item-at-or-above-deleted-marker");
  EXPECT_EQ(judge_entry(item(8, "{}"), std::nullopt).verdict, Verdict::lagging);
  EXPECT_EQ(judge_entry(item(8, "{}"), row(R"({"id":"a"})")).verdict, Verdict::lagging);
}

TEST(MonitorRules, NotFoundEntriesAreRightWhileTheItemIsNotLive) {
  const CachedEntry tombstone{Kind::tombstone, 9, {}};
  const CachedEntry negative{Kind::negative, 0, {}};
  const auto marker = deleted_marker("a", 9, 1'700'000'000'000'000);
  EXPECT_EQ(judge_entry(tombstone, marker).verdict, Verdict::consistent);
  EXPECT_EQ(judge_entry(tombstone, std::nullopt).verdict, Verdict::consistent);
  EXPECT_EQ(judge_entry(negative, std::nullopt).verdict, Verdict::consistent);
  EXPECT_EQ(judge_entry(tombstone, row(R"({"id":"a","version":8})")).rule,
            "tombstone-above-live-item");
  EXPECT_EQ(judge_entry(tombstone, row(R"({"id":"a","version":9})")).verdict, Verdict::lagging);
  EXPECT_EQ(judge_entry(negative, row(R"({"id":"a","version":1})")).verdict, Verdict::lagging);
}

TEST(MonitorRules, AFenceServesNothingSoItIsNeverWrong) {
  EXPECT_EQ(judge_entry({Kind::fence, 99, {}}, row(R"({"id":"a","version":1})")).verdict,
            Verdict::consistent);
}

class MonitorRun : public ::testing::Test {
 protected:
  void put(std::string_view text) {
    ASSERT_TRUE(store_.put(row(text), {WriteCondition::Kind::creatable, 0}));
  }
  void cache_item(const std::string& id) {
    auto stored = *store_.get(id);
    ASSERT_TRUE(stored);
    ASSERT_TRUE(
        cache_.apply_if_newer(id, *version_of(*stored), json::serialize(canonical(*stored))));
  }
  MonitorReport run(const GraceWait& wait = [](std::chrono::seconds) {}) {
    return check_cache_consistency(sampler_, store_, options_, wait);
  }

  FakeStore store_;
  FakeCache cache_;
  FakeSampler sampler_{cache_};
  MonitorOptions options_{.sample_size = 10, .grace = std::chrono::seconds(5)};
};

TEST_F(MonitorRun, ACleanCacheReportsNothing) {
  put(R"({"id":"a","version":3,"n":1.50})");
  put(R"({"id":"b","version":4})");
  cache_item("a");
  cache_item("b");
  ASSERT_TRUE(cache_.fill_negative("missing"));
  const auto report = run();
  EXPECT_EQ(report.checked, 3u);
  EXPECT_TRUE(report.inconsistent.empty());
  EXPECT_TRUE(report.errors.empty());
}

TEST_F(MonitorRun, ACorruptedEntryAboveTheTableIsReportedWithoutWaiting) {
  put(R"({"id":"a","version":3})");
  put(R"({"id":"b","version":4})");
  cache_item("a");
  ASSERT_TRUE(cache_.apply_if_newer("b", 5, R"({"id":"b","version":5,"forged":true})"));
  int waits = 0;
  const auto report = run([&](std::chrono::seconds) { ++waits; });
  EXPECT_EQ(waits, 0);
  ASSERT_EQ(report.inconsistent.size(), 1u);
  const auto& found = report.inconsistent[0];
  EXPECT_EQ(found.id, "b");
  EXPECT_EQ(found.rule, "item-ahead-of-table");
  EXPECT_EQ(found.cache_version, 5u);
  EXPECT_EQ(found.table.version, 4u);
  EXPECT_FALSE(found.past_grace);
}

TEST_F(MonitorRun, AnEntryBehindTheTableThatCatchesUpWithinTheGraceWindowIsNotReported) {
  put(R"({"id":"a","version":3})");
  ASSERT_TRUE(cache_.apply_if_newer("a", 2, R"({"id":"a","version":2})"));
  std::chrono::seconds waited{};
  const auto report = run([&](std::chrono::seconds grace) {
    waited = grace;
    cache_item("a");  // the stream record lands
  });
  EXPECT_EQ(waited, std::chrono::seconds(5));
  EXPECT_EQ(report.lagging, 1u);
  EXPECT_TRUE(report.inconsistent.empty());
}

TEST_F(MonitorRun, AnEntryStillBehindAfterTheGraceWindowIsReported) {
  put(R"({"id":"a","version":3})");
  ASSERT_TRUE(cache_.apply_if_newer("a", 2, R"({"id":"a","version":2})"));
  const auto report = run();
  ASSERT_EQ(report.inconsistent.size(), 1u);
  EXPECT_EQ(report.inconsistent[0].rule, "item-behind-table");
  EXPECT_TRUE(report.inconsistent[0].past_grace);
  EXPECT_EQ(report.inconsistent[0].cache_version, 2u);
  EXPECT_EQ(report.inconsistent[0].table.version, 3u);
}

TEST_F(MonitorRun, AHotItemThatMovedPastTheFirstReadIsNotReported) {
  put(R"({"id":"a","version":3})");
  ASSERT_TRUE(cache_.apply_if_newer("a", 2, R"({"id":"a","version":2})"));
  const auto report = run([&](std::chrono::seconds) {
    // Version 3 reached the cache, and the table moved on to 4 meanwhile.
    ASSERT_TRUE(
        store_.put(row(R"({"id":"a","version":4})"), {WriteCondition::Kind::version_equals, 3}));
    ASSERT_TRUE(cache_.apply_if_newer("a", 3, R"({"id":"a","version":3})"));
  });
  EXPECT_TRUE(report.inconsistent.empty());
}

TEST_F(MonitorRun, AResurrectedItemIsReportedAfterTheGraceWindow) {
  ASSERT_TRUE(store_.put(deleted_marker("a", 9, 1'700'000'000'000'000),
                         {WriteCondition::Kind::creatable, 0}));
  ASSERT_TRUE(cache_.apply_if_newer("a", 8, R"({"id":"a","version":8})"));
  const auto report = run();
  ASSERT_EQ(report.inconsistent.size(), 1u);
  EXPECT_EQ(report.inconsistent[0].rule, "item-cached-after-delete");
  EXPECT_EQ(report.inconsistent[0].table.kind, TableState::Kind::deleted);
}

TEST_F(MonitorRun, NoTimeForTheGraceWindowLeavesLaggingEntriesUnresolved) {
  put(R"({"id":"a","version":3})");
  ASSERT_TRUE(cache_.apply_if_newer("a", 2, R"({"id":"a","version":2})"));
  int waits = 0;
  const auto report = check_cache_consistency(
      sampler_, store_, options_, [&](std::chrono::seconds) { ++waits; },
      Deadline::after(std::chrono::seconds(1)));
  EXPECT_EQ(waits, 0);
  EXPECT_EQ(report.unresolved, 1u);
  EXPECT_TRUE(report.inconsistent.empty());
}

TEST_F(MonitorRun, TheSampleSizeBoundsTheWork) {
  for (int i = 0; i < 20; ++i) {
    const std::string id = "id" + std::to_string(i);
    put(R"({"id":")" + id + R"(","version":1})");
    cache_item(id);
  }
  options_.sample_size = 7;
  store_.gets = 0;
  const auto report = run();
  EXPECT_EQ(report.checked, 7u);
  EXPECT_EQ(store_.gets, 7);
  EXPECT_EQ(sampler_.reads, 1);
}

TEST_F(MonitorRun, FailuresAreErrorsNotVerdicts) {
  put(R"({"id":"a","version":3})");
  cache_item("a");
  store_.failure = StoreError{StoreError::Kind::unavailable, "throttled"};
  auto report = run();
  EXPECT_EQ(report.checked, 0u);
  EXPECT_EQ(report.errors.size(), 1u);
  cache_.down = true;
  report = run();
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("sampling the cache"), std::string::npos);
}

TEST(MonitorOptionsTest, DefaultsAndRangesAreChecked) {
  auto defaults = load_monitor_options(fixed_env({}));
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->sample_size, 50u);
  EXPECT_EQ(defaults->grace, std::chrono::seconds(30));
  auto set = load_monitor_options(
      fixed_env({{"MONITOR_SAMPLE_SIZE", "200"}, {"MONITOR_GRACE_SECONDS", "0"}}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->sample_size, 200u);
  EXPECT_EQ(set->grace, std::chrono::seconds(0));
  auto zero = load_monitor_options(fixed_env({{"MONITOR_SAMPLE_SIZE", "0"}}));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error(), "MONITOR_SAMPLE_SIZE=0 is not valid: use a whole number from 1 to 1000");
  EXPECT_FALSE(load_monitor_options(fixed_env({{"MONITOR_GRACE_SECONDS", "601"}})));
  EXPECT_FALSE(load_monitor_options(fixed_env({{"MONITOR_GRACE_SECONDS", "5s"}})));
}

TEST(MonitorKeys, ItemKeysGiveBackTheirIds) {
  for (std::string id : {"a", "x%y", "{tag}", "100%"}) {
    EXPECT_EQ(id_of_item_key(cache::item_key(id)), id) << id;
  }
  EXPECT_FALSE(id_of_item_key("item:{}"));
  EXPECT_FALSE(id_of_item_key("other:{a}"));
  EXPECT_FALSE(id_of_item_key("item:{a%4}"));
  EXPECT_FALSE(id_of_item_key("item:{a}b}"));
}

}  // namespace
}  // namespace streamcache::items
