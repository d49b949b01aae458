#include "local/batch_retry.h"

#include <algorithm>

namespace streamcache::local {

std::size_t BatchRetryState::next_batch_size(std::size_t available) const {
  std::size_t n = std::min(options_.batch_size, available);
  if (!segments_.empty()) n = std::min(n, segments_.front());
  return n;
}

void BatchRetryState::reset() {
  segments_.clear();
  failures_ = 0;
  invocations_ = 0;
}

void BatchRetryState::consume_front(std::size_t count) {
  while (count > 0 && !segments_.empty()) {
    const std::size_t take = std::min(count, segments_.front());
    segments_.front() -= take;
    count -= take;
    if (segments_.front() == 0) segments_.pop_front();
  }
}

BatchDecision BatchRetryState::give_up(std::size_t completed, std::size_t discarded) {
  BatchDecision d;
  d.completed = completed;
  d.discarded = discarded;
  d.invoke_count = invocations_;
  consume_front(completed + discarded);
  failures_ = 0;
  invocations_ = 0;
  return d;
}

BatchDecision BatchRetryState::on_outcome(std::size_t batch, BatchOutcome outcome) {
  ++invocations_;
  if (outcome.kind == BatchOutcome::Kind::partial_failure &&
      (!options_.report_batch_item_failures || outcome.first_failed >= batch)) {
    // Without ReportBatchItemFailures Lambda ignores the response body.
    outcome.kind = options_.report_batch_item_failures ? BatchOutcome::Kind::function_error
                                                       : BatchOutcome::Kind::success;
  }
  const bool exhausted_next =
      options_.maximum_retry_attempts >= 0 && failures_ + 1 > options_.maximum_retry_attempts;
  switch (outcome.kind) {
    case BatchOutcome::Kind::success: {
      BatchDecision d;
      d.completed = batch;
      consume_front(batch);
      failures_ = 0;
      invocations_ = 0;
      return d;
    }
    case BatchOutcome::Kind::partial_failure: {
      // Records before the lowest failed one are done; the retry starts at that record.
      const std::size_t done = outcome.first_failed;
      if (exhausted_next) return give_up(done, batch - done);
      ++failures_;
      BatchDecision d;
      d.completed = done;
      d.retry = true;
      consume_front(done);
      if (done > 0) invocations_ = 1;  // the remaining records were in this one invocation
      return d;
    }
    case BatchOutcome::Kind::function_error: {
      if (options_.bisect_on_function_error && batch > 1) {
        // Split in two and retry each half; splitting does not use up a retry.
        consume_front(batch);
        segments_.push_front(batch - batch / 2);
        segments_.push_front(batch / 2);
        BatchDecision d;
        d.retry = true;
        return d;
      }
      if (exhausted_next) return give_up(0, batch);
      ++failures_;
      BatchDecision d;
      d.retry = true;
      return d;
    }
  }
  return {};
}

}  // namespace streamcache::local
