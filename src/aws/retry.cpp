#include "aws/retry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "common/random.h"

namespace streamcache::aws {

bool is_retryable(const Error& error) {
  switch (error.kind) {
    case ErrorKind::throttled:
    case ErrorKind::unavailable:
      return true;
    default:
      return false;
  }
}

namespace {

// A per-policy generator, seeded by the kernel (common/random.h says why not random_device).
std::function<double()> default_random() {
  return [engine = std::mt19937_64(random_seed())]() mutable {
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

}  // namespace

RetryPolicy::RetryPolicy(RetryOptions options, std::function<double()> random)
    : options_(options),
      random_(random ? std::move(random) : default_random()),
      quota_(options.quota_capacity) {}

std::optional<std::chrono::milliseconds> RetryPolicy::next_delay(const Error& error, int attempt,
                                                                 Deadline deadline) {
  if (!is_retryable(error) || attempt >= options_.max_attempts) return std::nullopt;
  const bool timeout = error.code == "RequestTimeout";
  const int cost = timeout ? options_.timeout_retry_cost : options_.retry_cost;
  if (quota_ < cost) return std::nullopt;
  // Full jitter: uniform in [0, base * 2^(attempt-1)], capped.
  const double ceiling =
      std::min(static_cast<double>(options_.base_delay.count()) * std::ldexp(1.0, attempt - 1),
               static_cast<double>(options_.max_backoff.count()));
  const std::chrono::milliseconds delay(static_cast<std::int64_t>(random_() * ceiling));
  // A retry that cannot finish in time only delays the answer (and spends quota).
  if (!deadline.unlimited() && deadline.remaining() < delay + options_.min_attempt_time)
    return std::nullopt;
  quota_ -= cost;
  last_cost_ = cost;
  return delay;
}

void RetryPolicy::on_success(int attempts) {
  quota_ = std::min(options_.quota_capacity, quota_ + (attempts > 1 ? last_cost_ : 1));
  last_cost_ = 0;
}

}  // namespace streamcache::aws
