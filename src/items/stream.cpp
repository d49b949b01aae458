#include "items/stream.h"

#include <algorithm>
#include <thread>

#include "cache/item_protocol.h"
#include "common/log.h"
#include "common/random.h"
#include "items/stream_dom.h"
#include "items/stream_sax.h"

namespace streamcache::items {

namespace events = lambda::events;

std::chrono::milliseconds max_apply_age(const cache::ItemCacheOptions& cache) {
  const auto shortest = std::min(cache.item_ttl, cache.tombstone_ttl);
  const auto lived = std::chrono::duration_cast<std::chrono::milliseconds>(
      shortest * (1.0 - std::clamp(cache.ttl_jitter, 0.0, 1.0)));
  // ApproximateCreationDateTime may be rounded down to the second; clocks differ a little.
  const std::chrono::milliseconds margin = std::chrono::seconds(2);
  return std::max(lived - margin, std::chrono::milliseconds(1));
}

// The SAX pass, else the DOM planner for the exact error. Skips are logged.
Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json,
                                                    const StreamPlanOptions& options,
                                                    const OnPlanned& on_planned, bool& fell_back) {
  Expected<StreamPlan, std::string> plan = StreamPlan{};
  fell_back = !detail::plan_stream_batch_sax(event_json, options, *plan, nullptr, on_planned);
  if (fell_back) {
    plan = detail::plan_stream_batch_dom(event_json, options);  // for the exact error
    if (!plan) return plan;
  }
  for (const StreamSkip& skip : plan->skips) {
    logging::error(
        skip.undecodable ? "skipping a stream record that does not decode"
                         : "skipping a stream record that can never be applied",
        {{"sequenceNumber", plan->sequence_numbers[skip.record]}, {"error", skip.reason}});
  }
  return plan;
}

Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json,
                                                    const StreamPlanOptions& options) {
  bool fell_back = false;
  return plan_stream_batch(event_json, options, {}, fell_back);
}

Expected<StreamOutcome, std::string> apply_stream_batch(std::string_view event_json,
                                                        const StreamPlanOptions& options,
                                                        StreamCachePort& cache,
                                                        const StreamRetryOptions& retry) {
  cache.start_batch(retry.until);
  bool fell_back = false;
  auto plan = plan_stream_batch(
      event_json, options, [&cache](std::span<const StreamOp> ops) { cache.send_planned(ops); },
      fell_back);
  // The DOM planner's plan is not the one sent: drop that one (its ops, applied or not, are real
  // records, and every op is versioned) and send this one whole.
  if (!plan || fell_back || plan->ops.empty()) cache.abandon_batch();
  if (!plan) return unexpected(std::move(plan).error());
  return apply_stream_plan(*plan, cache, retry);
}

Deadline invocation_budget(std::chrono::milliseconds remaining) {
  using std::chrono::milliseconds;
  if (remaining <= milliseconds::zero()) return Deadline::after(milliseconds::zero());
  const milliseconds margin = std::min(std::max(milliseconds(1000), remaining / 10), remaining / 2);
  return Deadline::after(remaining - margin);
}

namespace {

enum class OpState : std::uint8_t { pending, done, skipped, permanent };

// splitmix64, for the backoff's jitter.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Equal jitter: [b/2, b], so instances retrying after one outage do not reconnect in lockstep.
std::chrono::milliseconds jittered(std::chrono::milliseconds backoff, std::uint64_t& state) {
  const auto half = backoff.count() / 2;
  const auto span = static_cast<std::uint64_t>(backoff.count() - half + 1);
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(next_random(state) % span));
}

}  // namespace

StreamOutcome apply_stream_plan(const StreamPlan& plan, StreamCachePort& cache,
                                const StreamRetryOptions& retry) {
  StreamOutcome outcome;
  outcome.skipped = plan.skipped;
  outcome.newest_creation_time = plan.newest_creation_time;
  if (plan.ops.empty()) return outcome;

  const std::size_t n = plan.ops.size();
  std::vector<OpState> state(n, OpState::pending);
  std::vector<cache::WriteResult> written(n, cache::WriteResult::stale);
  std::vector<cache::Error> last_error(n);
  std::uint64_t random_state = retry.seed != 0 ? retry.seed : random_seed();
  auto backoff = std::max(retry.backoff_min, std::chrono::milliseconds(1));

  std::vector<std::size_t> sent;  // op index of each op of this attempt
  std::vector<StreamOp> resend;   // the ops of a retry: copies, but only during an outage
  StreamResults results;
  for (std::size_t i = 0; i < n; ++i)
    sent.push_back(i);

  // Ops in record order: the first op not applied is the first record Lambda must deliver again.
  auto first_unapplied = [&]() -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < n; ++i) {
      if (state[i] == OpState::pending || state[i] == OpState::permanent) return i;
    }
    return std::nullopt;
  };

  while (true) {
    ++outcome.attempts;
    std::span<const StreamOp> ops = plan.ops;
    if (sent.size() != n) {
      resend.clear();
      for (std::size_t i : sent)
        resend.push_back(plan.ops[i]);
      ops = resend;
    }
    cache.execute(ops, results, retry.until);
    for (std::size_t k = 0; k < sent.size(); ++k) {
      const std::size_t i = sent[k];
      const StreamOp& op = plan.ops[i];
      const auto& result = k < results.size()
                               ? results[k]
                               : Expected<cache::WriteResult, cache::Error>(unexpected(cache::Error{
                                     cache::ErrorCode::unavailable, "no result for the op"}));
      if (result) {
        state[i] = OpState::done;
        written[i] = *result;
      } else if (result.error().code == cache::ErrorCode::invalid_argument) {
        state[i] = OpState::skipped;  // retrying cannot help: log and move on
        logging::error("skipping a stream record the cache refuses",
                       {{"sequenceNumber", plan.sequence_numbers[op.record]},
                        {"error", cache::describe(result.error())}});
      } else {
        // Permanent ones are not sent again; the first is logged below, where it is reported.
        if (result.error().permanent()) {
          state[i] = OpState::permanent;
          ++outcome.permanent;
        }
        last_error[i] = result.error();
      }
    }

    const auto first = first_unapplied();
    if (!first || state[*first] == OpState::permanent) break;
    if (retry.until.unlimited() || retry.until.expired()) break;
    const auto wait =
        std::min(jittered(backoff, random_state),
                 std::chrono::duration_cast<std::chrono::milliseconds>(retry.until.remaining()));
    logging::warn("cache unavailable; retrying the batch",
                  {{"attempt", std::to_string(outcome.attempts)},
                   {"sequenceNumber", plan.sequence_numbers[plan.ops[*first].record]},
                   {"backoffMs", std::to_string(wait.count())},
                   {"error", cache::describe(last_error[*first])}});
    if (retry.sleep) {
      retry.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
    if (retry.until.expired()) break;
    backoff = std::min(backoff * 2, std::max(retry.backoff_max, backoff));
    // Only what is still unavailable, and nothing after a record refused for good: Lambda
    // delivers that one and all that follow it again anyway.
    sent.clear();
    for (std::size_t i = *first; i < n && state[i] != OpState::permanent; ++i) {
      if (state[i] == OpState::pending) sent.push_back(i);
    }
  }

  const auto first = first_unapplied();
  for (std::size_t i = 0; i < n; ++i) {
    const StreamOp& op = plan.ops[i];
    if (state[i] == OpState::skipped) {
      ++outcome.skipped;
    } else if (first && i >= *first) {
      ++outcome.failed;  // Lambda delivers it again from the first unapplied record
    } else if (op.kind == StreamOp::Kind::invalidate) {
      ++outcome.invalidated;
    } else if (op.kind == StreamOp::Kind::fence) {
      ++outcome.fenced;
    } else if (written[i] == cache::WriteResult::applied) {
      ++outcome.applied;
    } else {
      ++outcome.stale;
    }
  }
  if (first) {
    const StreamOp& op = plan.ops[*first];
    if (state[*first] == OpState::permanent) {
      // One line per batch, for the record Lambda delivers next; the rest come with it then.
      logging::error("redis refused a stream record for good; reporting it at once",
                     {{"sequenceNumber", plan.sequence_numbers[op.record]},
                      {"key", cache::item_key(op.id)},
                      {"reason", cache::describe(last_error[*first])},
                      {"refusedInBatch", std::to_string(outcome.permanent)}});
    } else {
      logging::warn("cache unavailable; reporting a batch item failure",
                    {{"sequenceNumber", plan.sequence_numbers[op.record]},
                     {"attempts", std::to_string(outcome.attempts)},
                     {"error", cache::describe(last_error[*first])}});
    }
    outcome.response.batch_item_failures.push_back({plan.sequence_numbers[op.record]});
  }
  return outcome;
}

}  // namespace streamcache::items
