#include "aws/retry.h"

#include <gtest/gtest.h>

#include "aws/error.h"

namespace streamcache::aws {
namespace {

Error error_with(ErrorKind kind, std::string code = {}) {
  Error e;
  e.kind = kind;
  e.code = std::move(code);
  return e;
}

TEST(RetryPolicy, RetriesThrottlingAndUnavailableOnly) {
  RetryPolicy policy({}, [] { return 0.5; });
  EXPECT_TRUE(policy.next_delay(error_with(ErrorKind::throttled, "ThrottlingException"), 1));
  EXPECT_TRUE(policy.next_delay(error_with(ErrorKind::unavailable, "InternalServerError"), 1));
  EXPECT_FALSE(policy.next_delay(error_with(ErrorKind::conditional_check_failed), 1));
  EXPECT_FALSE(policy.next_delay(error_with(ErrorKind::validation, "ValidationException"), 1));
  EXPECT_FALSE(policy.next_delay(error_with(ErrorKind::resource_not_found), 1));
  EXPECT_FALSE(policy.next_delay(error_with(ErrorKind::access_denied), 1));
}

TEST(RetryPolicy, StopsWhenTheDeadlineCannotFitBackoffAndAnAttempt) {
  using namespace std::chrono_literals;
  RetryOptions options;
  options.min_attempt_time = 50ms;
  RetryPolicy policy(options, [] { return 0.5; });  // first delay: 12 ms of base 25 ms
  const Error busy = error_with(ErrorKind::unavailable, "InternalServerError");
  const int quota = policy.quota_available();
  // 30 ms left < 12 ms of backoff + 50 ms for the attempt: give up, and take no quota.
  EXPECT_FALSE(policy.next_delay(busy, 1, Deadline::after(30ms)));
  EXPECT_FALSE(policy.next_delay(busy, 1, Deadline::after(0ms)));
  EXPECT_EQ(policy.quota_available(), quota);
  EXPECT_EQ(policy.next_delay(busy, 1, Deadline::after(1h)), 12ms);
  EXPECT_EQ(policy.next_delay(busy, 1, Deadline::never()), 12ms);
}

TEST(RetryPolicy, StopsAfterMaxAttempts) {
  RetryOptions options;
  options.max_attempts = 3;
  RetryPolicy policy(options, [] { return 0.5; });
  auto throttled = error_with(ErrorKind::throttled, "ThrottlingException");
  EXPECT_TRUE(policy.next_delay(throttled, 1));
  EXPECT_TRUE(policy.next_delay(throttled, 2));
  EXPECT_FALSE(policy.next_delay(throttled, 3));
}

TEST(RetryPolicy, FullJitterExponentialBackoffIsCapped) {
  RetryOptions options;
  options.max_attempts = 30;
  options.base_delay = std::chrono::milliseconds(100);
  options.max_backoff = std::chrono::milliseconds(1000);
  options.quota_capacity = 10'000;
  double r = 1.0;
  RetryPolicy policy(options, [&] { return r; });
  auto e = error_with(ErrorKind::unavailable);
  EXPECT_EQ(policy.next_delay(e, 1)->count(), 100);
  EXPECT_EQ(policy.next_delay(e, 2)->count(), 200);
  EXPECT_EQ(policy.next_delay(e, 3)->count(), 400);
  EXPECT_EQ(policy.next_delay(e, 5)->count(), 1000);
  r = 0.0;
  EXPECT_EQ(policy.next_delay(e, 4)->count(), 0);
}

TEST(RetryPolicy, QuotaDrainsAndRefills) {
  RetryOptions options;
  options.quota_capacity = 12;
  RetryPolicy policy(options, [] { return 0.0; });
  auto e = error_with(ErrorKind::unavailable);
  auto timeout = error_with(ErrorKind::unavailable, "RequestTimeout");
  EXPECT_TRUE(policy.next_delay(e, 1));   // 12 - 5 = 7
  EXPECT_TRUE(policy.next_delay(e, 1));   // 7 - 5 = 2
  EXPECT_FALSE(policy.next_delay(e, 1));  // empty: no retry storm
  EXPECT_EQ(policy.quota_available(), 2);
  policy.on_success(1);  // a first-try success adds one token
  EXPECT_EQ(policy.quota_available(), 3);
  policy.on_success(1);
  policy.on_success(1);
  policy.on_success(1);
  policy.on_success(1);
  policy.on_success(1);
  policy.on_success(1);
  policy.on_success(1);
  EXPECT_EQ(policy.quota_available(), 10);
  EXPECT_TRUE(policy.next_delay(timeout, 1));  // timeouts cost 10
  EXPECT_EQ(policy.quota_available(), 0);
  policy.on_success(2);  // a retried success refunds its cost
  EXPECT_EQ(policy.quota_available(), 10);
}

TEST(ErrorMapping, ParsesTypeFromBodyAndHeader) {
  http::Response r;
  r.status = 400;
  r.body =
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})";
  Error e = error_from_response(r);
  EXPECT_EQ(e.kind, ErrorKind::conditional_check_failed);
  EXPECT_EQ(e.code, "ConditionalCheckFailedException");
  EXPECT_EQ(e.message, "The conditional request failed");

  r.body = R"({"Message":"Rate exceeded"})";
  r.headers = {{"x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/"}};
  e = error_from_response(r);
  EXPECT_EQ(e.kind, ErrorKind::throttled);
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_EQ(e.message, "Rate exceeded");

  r.status = 503;
  r.headers.clear();
  r.body = "<html>Service Unavailable</html>";
  e = error_from_response(r);
  EXPECT_EQ(e.kind, ErrorKind::unavailable);
  EXPECT_TRUE(is_retryable(e));
}

TEST(ErrorMapping, KnownCodes) {
  EXPECT_TRUE(is_throttling_code("ProvisionedThroughputExceededException"));
  EXPECT_TRUE(is_throttling_code("RequestLimitExceeded"));
  EXPECT_FALSE(is_throttling_code("ValidationException"));
  http::Response r;
  r.status = 400;
  r.body = R"({"__type":"com.amazon.coral.validate#ValidationException","message":"bad"})";
  EXPECT_EQ(error_from_response(r).kind, ErrorKind::validation);
  EXPECT_FALSE(is_retryable(error_from_response(r)));
  r.body =
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"x"})";
  EXPECT_EQ(error_from_response(r).kind, ErrorKind::resource_not_found);
  EXPECT_EQ(error_from_response(r).describe(),
            "ResourceNotFoundException: x (HTTP 400, 1 attempt)");
}

TEST(ErrorMapping, StreamsAndSqsCodesTheRedriveDecidesOn) {
  http::Response r;
  r.status = 400;
  r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException"})";
  EXPECT_EQ(error_from_response(r).kind, ErrorKind::expired_iterator);
  // Past the stream's retention: not the same as an expired iterator (a new one will not help).
  r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException"})";
  EXPECT_EQ(error_from_response(r).kind, ErrorKind::trimmed_data);
  EXPECT_FALSE(is_retryable(error_from_response(r)));
  r.body = R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"no queue"})";
  EXPECT_EQ(error_from_response(r).kind, ErrorKind::resource_not_found);
}

}  // namespace
}  // namespace streamcache::aws
