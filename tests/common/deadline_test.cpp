#include "common/deadline.h"

#include <chrono>

#include <gtest/gtest.h>

namespace streamcache {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, NeverIsUnlimitedAndNeverExpires) {
  const auto d = Deadline::never();
  EXPECT_TRUE(d.unlimited());
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), Deadline::clock::duration::max());
  EXPECT_EQ(d.cap(3s), 3000ms);
}

TEST(Deadline, CapCutsAnAttemptToWhatIsLeft) {
  const auto d = Deadline::after(10s);
  EXPECT_FALSE(d.expired());
  EXPECT_LE(d.cap(1h), 10000ms);
  EXPECT_GT(d.cap(1h), 0ms);
  EXPECT_EQ(d.cap(100ms), 100ms);
}

TEST(Deadline, APassedDeadlineHasNothingLeft) {
  const auto d = Deadline::at(Deadline::clock::now() - 1s);
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), Deadline::clock::duration::zero());
  EXPECT_EQ(d.cap(5s), 0ms);
}

TEST(Deadline, MinTakesTheEarlier) {
  const auto soon = Deadline::after(1s);
  EXPECT_EQ(soon.min(Deadline::never()).when(), soon.when());
  EXPECT_EQ(Deadline::never().min(soon).when(), soon.when());
}

}  // namespace
}  // namespace streamcache
