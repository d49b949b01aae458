// Lambda's retry rules for a stream shard, without I/O: which records the next invocation gets,
// and what a result means (done, retry, bisect, or discard to the on-failure destination).
#pragma once

#include <cstddef>
#include <deque>

namespace streamcache::local {

struct BatchRetryOptions {
  std::size_t batch_size = 100;
  int maximum_retry_attempts = 10;  // -1: retry until the records expire
  bool bisect_on_function_error = true;
  bool report_batch_item_failures = true;
};

struct BatchOutcome {
  enum class Kind {
    success,          // the function returned and reported no failures
    partial_failure,  // batchItemFailures: retry from the record at first_failed
    function_error,   // an error post, a timeout, a crash, or an unreadable response
  };
  Kind kind = Kind::success;
  std::size_t first_failed = 0;  // index in the batch of the lowest failed sequence number
};

struct BatchDecision {
  std::size_t completed = 0;  // front records that are done: checkpoint after them
  std::size_t discarded = 0;  // records after those that go to the on-failure destination
  int invoke_count = 0;       // invocations the discarded records saw
  bool retry = false;         // the remaining front records are retried (after a backoff)
};

class BatchRetryState {
 public:
  explicit BatchRetryState(BatchRetryOptions options) : options_(options) {}

  // How many of `available` pending records the next invocation takes (bisect halves included).
  [[nodiscard]] std::size_t next_batch_size(std::size_t available) const;

  // Applies the result of invoking the first `batch` pending records.
  BatchDecision on_outcome(std::size_t batch, BatchOutcome outcome);

  // Forget bisect segments and counters (records were dropped by other means, e.g. age).
  void reset();

  [[nodiscard]] int failures() const { return failures_; }

 private:
  BatchDecision give_up(std::size_t completed, std::size_t discarded);
  void consume_front(std::size_t count);

  BatchRetryOptions options_;
  std::deque<std::size_t> segments_;  // pending bisect halves, front first
  int failures_ = 0;                  // failed attempts of the current front records
  int invocations_ = 0;               // invocations that included the current front records
};

}  // namespace streamcache::local
