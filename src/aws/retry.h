// Retries in the AWS SDKs' "standard" mode: bounded attempts, full-jitter exponential backoff,
// and a retry quota that stops retry storms when a service is down.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "aws/error.h"
#include "common/deadline.h"

namespace streamcache::aws {

struct RetryOptions {
  int max_attempts = 3;                           // first try included (AWS_MAX_ATTEMPTS)
  std::chrono::milliseconds base_delay{25};       // DynamoDB's SDK default (others use 1 s)
  std::chrono::milliseconds max_backoff{20'000};  // cap of one delay
  int quota_capacity = 500;                       // tokens in the retry bucket
  int retry_cost = 5;                             // tokens taken by a retry
  int timeout_retry_cost = 10;                    // tokens taken by a retry after a timeout
  // Least time worth an attempt: in-region DynamoDB answers in ms; less would mostly time out.
  std::chrono::milliseconds min_attempt_time{50};
};

// Whether a failure may succeed when sent again: throttling, transient codes, 5xx, transport.
bool is_retryable(const Error& error);

// Decides, per request, whether and when to retry; shares a quota across requests of a client.
class RetryPolicy {
 public:
  // `random` returns a uniform number in [0, 1): injectable so tests are deterministic.
  explicit RetryPolicy(RetryOptions options, std::function<double()> random = {});

  // After attempt number `attempt` (1-based) failed with `error`: the delay before the next
  // attempt, or nullopt to give up (not retryable, attempts used up, quota empty, or `deadline`
  // cannot fit the delay plus min_attempt_time).
  std::optional<std::chrono::milliseconds> next_delay(const Error& error, int attempt,
                                                      Deadline deadline = Deadline::never());

  // A request succeeded: a retry refunds what it took, a first try adds one token.
  void on_success(int attempts);

  [[nodiscard]] int quota_available() const { return quota_; }
  [[nodiscard]] const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  std::function<double()> random_;
  int quota_;
  int last_cost_ = 0;  // tokens taken by the latest retry of the request in flight
};

}  // namespace streamcache::aws
