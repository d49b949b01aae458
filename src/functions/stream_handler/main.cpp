// The stream handler: DynamoDB Streams batches in, versioned cache writes (one pipeline per batch,
// written while the batch is still decoded, retried with backoff while Redis is unavailable until
// the invocation's budget is spent) and a partial batch response out.
#include <chrono>
#include <memory>

#include "items/adapters.h"
#include "items/clients.h"
#include "items/metrics.h"
#include "items/stream.h"
#include "lambda/runtime.h"

namespace {

using namespace streamcache;

struct State {
  std::unique_ptr<items::Clients> clients;
  items::RedisItemCache cache;

  explicit State(std::unique_ptr<items::Clients> c)
      : clients(std::move(c)), cache(*clients->cache, clients->tracer.get()) {}
};

}  // namespace

int main() {
  return lambda::run_with_init([]() -> Expected<lambda::Handler, lambda::ErrorInfo> {
    auto clients = items::create_clients(process_env());
    if (!clients) return unexpected(lambda::ErrorInfo{clients.error(), "Runtime.ConfigInvalid"});
    auto state = std::make_shared<State>(std::move(*clients));
    return lambda::Handler([state](const lambda::Invocation& invocation) {
      const tracing::InvocationScope traced(*state->clients->tracer, invocation.trace_id);
      const items::StreamPlanOptions options{
          .now_us = 0, .max_apply_age = items::max_apply_age(state->clients->cache->options())};
      // Ride out a Redis outage inside the invocation instead of spending the mapping's retries.
      items::StreamRetryOptions retry;
      retry.until = items::invocation_budget(invocation.remaining_time());
      auto applied = items::apply_stream_batch(invocation.payload, options, state->cache, retry);
      if (!applied) {
        // Not a stream batch at all: fail the invocation so nothing is silently dropped.
        return lambda::Response::failure(applied.error(), "Streamcache.InvalidEvent");
      }
      const items::StreamOutcome& outcome = *applied;
      auto now = std::chrono::system_clock::now().time_since_epoch();
      double now_s = std::chrono::duration<double>(now).count();
      double age_s = outcome.newest_creation_time > 0 ? now_s - outcome.newest_creation_time : 0;
      items::write_stdout_line(
          items::emf_line(state->clients->function_name,
                          std::chrono::duration_cast<std::chrono::milliseconds>(now).count(),
                          {{"RecordsApplied", static_cast<double>(outcome.applied)},
                           {"StaleSkipped", static_cast<double>(outcome.stale)},
                           {"Invalidated", static_cast<double>(outcome.invalidated)},
                           {"TooOldFenced", static_cast<double>(outcome.fenced)},
                           {"PoisonSkipped", static_cast<double>(outcome.skipped)},
                           {"Failures", static_cast<double>(outcome.failed)},
                           {"PermanentFailures", static_cast<double>(outcome.permanent)},
                           {"RedisAttempts", static_cast<double>(outcome.attempts)},
                           {"NewestRecordAge", age_s > 0 ? age_s : 0, "Seconds"}}));
      return lambda::Response::success(lambda::events::serialize(outcome.response));
    });
  });
}
