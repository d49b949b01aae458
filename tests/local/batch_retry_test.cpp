#include "local/batch_retry.h"

#include <gtest/gtest.h>

namespace streamcache::local {
namespace {

using Kind = BatchOutcome::Kind;

BatchRetryOptions options(std::size_t batch, int retries, bool bisect = true) {
  return BatchRetryOptions{batch, retries, bisect, true};
}

TEST(BatchRetry, SuccessCompletesTheBatch) {
  BatchRetryState s(options(10, 3));
  EXPECT_EQ(s.next_batch_size(25), 10U);
  EXPECT_EQ(s.next_batch_size(4), 4U);
  const auto d = s.on_outcome(10, {Kind::success, 0});
  EXPECT_EQ(d.completed, 10U);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.discarded, 0U);
}

TEST(BatchRetry, PartialFailureRetriesFromTheLowestFailedRecord) {
  BatchRetryState s(options(10, 2));
  auto d = s.on_outcome(5, {Kind::partial_failure, 2});
  EXPECT_EQ(d.completed, 2U);  // records before the failed one are checkpointed
  EXPECT_TRUE(d.retry);
  d = s.on_outcome(3, {Kind::partial_failure, 0});
  EXPECT_EQ(d.completed, 0U);
  EXPECT_TRUE(d.retry);
  // The third failure is past MaximumRetryAttempts=2: the rest is discarded.
  d = s.on_outcome(3, {Kind::partial_failure, 1});
  EXPECT_EQ(d.completed, 1U);
  EXPECT_EQ(d.discarded, 2U);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.invoke_count, 3);
}

TEST(BatchRetry, FunctionErrorBisectsDownToTheBadRecord) {
  BatchRetryState s(options(8, 0));
  // Record 5 of 8 is poison. 8 → [4,4]: the first half succeeds.
  auto d = s.on_outcome(8, {Kind::function_error, 0});
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.completed, 0U);
  ASSERT_EQ(s.next_batch_size(8), 4U);
  d = s.on_outcome(4, {Kind::success, 0});
  EXPECT_EQ(d.completed, 4U);
  // [4] holds the poison: → [2,2]; then [1,1]; the single bad record is discarded (0 retries).
  ASSERT_EQ(s.next_batch_size(4), 4U);
  d = s.on_outcome(4, {Kind::function_error, 0});
  ASSERT_EQ(s.next_batch_size(4), 2U);
  d = s.on_outcome(2, {Kind::function_error, 0});
  ASSERT_EQ(s.next_batch_size(4), 1U);
  d = s.on_outcome(1, {Kind::function_error, 0});
  EXPECT_EQ(d.discarded, 1U);
  EXPECT_FALSE(d.retry);
  ASSERT_EQ(s.next_batch_size(3), 1U);  // the other half of the pair
  d = s.on_outcome(1, {Kind::success, 0});
  EXPECT_EQ(d.completed, 1U);
  ASSERT_EQ(s.next_batch_size(2), 2U);  // the remaining half
  d = s.on_outcome(2, {Kind::success, 0});
  EXPECT_EQ(d.completed, 2U);
  EXPECT_EQ(s.next_batch_size(100), 8U);  // bisecting is over
}

TEST(BatchRetry, WithoutBisectTheWholeBatchIsRetriedThenDiscarded) {
  BatchRetryState s(options(5, 1, false));
  auto d = s.on_outcome(5, {Kind::function_error, 0});
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(s.next_batch_size(5), 5U);
  d = s.on_outcome(5, {Kind::function_error, 0});
  EXPECT_EQ(d.discarded, 5U);
  EXPECT_EQ(d.invoke_count, 2);
}

TEST(BatchRetry, InfiniteRetriesNeverDiscard) {
  BatchRetryState s(options(1, -1));
  for (int i = 0; i < 100; ++i) {
    const auto d = s.on_outcome(1, {Kind::function_error, 0});
    ASSERT_TRUE(d.retry);
    ASSERT_EQ(d.discarded, 0U);
  }
}

TEST(BatchRetry, PartialResponsesAreIgnoredWithoutReportBatchItemFailures) {
  BatchRetryState s(BatchRetryOptions{10, 3, true, false});
  const auto d = s.on_outcome(4, {Kind::partial_failure, 1});
  EXPECT_EQ(d.completed, 4U);
  EXPECT_FALSE(d.retry);
}

}  // namespace
}  // namespace streamcache::local
