#include "soak/fault_schedule.h"

#include <set>

#include <gtest/gtest.h>

namespace streamcache::soak {
namespace {

using namespace std::chrono_literals;

TEST(FaultSchedule, TheSeedAloneDecidesTheSchedule) {
  const auto a = plan_faults(120s, 42);
  const auto b = plan_faults(120s, 42);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind);
    EXPECT_EQ(a[i].at, b[i].at);
    EXPECT_EQ(a[i].duration, b[i].duration);
  }
  const auto c = plan_faults(120s, 43);
  bool differs = c.size() != a.size();
  for (std::size_t i = 0; !differs && i < a.size(); ++i)
    differs = a[i].kind != c[i].kind || a[i].at != c[i].at;
  EXPECT_TRUE(differs);
}

TEST(FaultSchedule, OneAtATimeWithQuietTimeAndHealthyAtTheEnd) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto faults = plan_faults(120s, seed);
    ASSERT_FALSE(faults.empty());
    EXPECT_GE(faults.front().at, 3s);
    for (std::size_t i = 1; i < faults.size(); ++i)
      EXPECT_GE(faults[i].at, faults[i - 1].at + faults[i - 1].duration + 2s) << "seed " << seed;
    EXPECT_LE(faults.back().at + faults.back().duration, 96s) << "the last 20 % stay healthy";
  }
}

TEST(FaultSchedule, EveryKindBeforeAnyRepeats) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto faults = plan_faults(120s, seed);
    ASSERT_GE(faults.size(), static_cast<std::size_t>(kFaultKinds)) << "seed " << seed;
    std::set<FaultKind> first;
    for (int i = 0; i < kFaultKinds; ++i)
      first.insert(faults[static_cast<std::size_t>(i)].kind);
    EXPECT_EQ(first.size(), static_cast<std::size_t>(kFaultKinds)) << "seed " << seed;
  }
}

TEST(FaultSchedule, AShortRunStillGetsFaults) {
  for (std::uint64_t seed = 0; seed < 20; ++seed)
    EXPECT_GE(plan_faults(30s, seed).size(), 2u) << "seed " << seed;
}

}  // namespace
}  // namespace streamcache::soak
