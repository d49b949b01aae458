// The time an invocation may still spend: Lambda's deadline less a margin for answering. Every call
// that can block (a connect, a request attempt, a DNS lookup, a retry backoff) takes its timeout
// from here, so a slow dependency ends in an answer (503, batchItemFailures) instead of a Lambda
// timeout.
#pragma once

#include <algorithm>
#include <chrono>

namespace streamcache {

class Deadline {
 public:
  using clock = std::chrono::steady_clock;

  // No limit: tests, tools and init code outside an invocation.
  static Deadline never() { return Deadline(clock::time_point::max()); }
  static Deadline after(clock::duration budget) { return Deadline(clock::now() + budget); }
  static Deadline at(clock::time_point when) { return Deadline(when); }

  [[nodiscard]] bool unlimited() const { return when_ == clock::time_point::max(); }
  [[nodiscard]] clock::time_point when() const { return when_; }

  // Time left, never negative; clock::duration::max() when unlimited.
  [[nodiscard]] clock::duration remaining() const {
    if (unlimited()) return clock::duration::max();
    return std::max(when_ - clock::now(), clock::duration::zero());
  }
  [[nodiscard]] bool expired() const { return !unlimited() && clock::now() >= when_; }

  // A per-attempt timeout: `limit`, cut to what is left.
  template <class Rep, class Period>
  [[nodiscard]] std::chrono::milliseconds cap(std::chrono::duration<Rep, Period> limit) const {
    const auto wanted = std::chrono::duration_cast<std::chrono::milliseconds>(limit);
    if (unlimited()) return wanted;
    return std::min(wanted, std::chrono::duration_cast<std::chrono::milliseconds>(remaining()));
  }

  // The earlier of two deadlines.
  [[nodiscard]] Deadline min(Deadline other) const {
    return Deadline(std::min(when_, other.when_));
  }

 private:
  explicit Deadline(clock::time_point when) : when_(when) {}
  clock::time_point when_;
};

}  // namespace streamcache
