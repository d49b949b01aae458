// Applying a DynamoDB Streams batch to the cache: each record becomes one versioned cache op
// (INSERT/MODIFY → apply_if_newer, a deleted marker → tombstone at its version, REMOVE → tombstone
// at old version + 1, no readable version or KEYS_ONLY → invalidate above it, a record older than
// the cache's entries live → fence), run as one pipelined batch. While Redis is unavailable the
// batch is retried with backoff until the invocation's budget is spent; an error that will not
// heal (WRONGTYPE, NOPERM, NOAUTH, a script error) is logged with its key and reported at once.
// The first record not applied is reported as a batch item failure so Lambda retries from there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.h"
#include "items/ports.h"
#include "lambda/events/dynamodb.h"

namespace streamcache::items {

// A record skipped for good, and why (logged once the batch is planned).
struct StreamSkip {
  std::size_t record = 0;    // index of the record in the batch
  bool undecodable = false;  // not a stream record at all (else: no op can be derived from it)
  std::string reason;
  bool operator==(const StreamSkip&) const = default;
};

struct StreamPlan {
  std::vector<StreamOp> ops;
  std::vector<std::string> sequence_numbers;  // per record of the batch
  int skipped = 0;                            // records that can never be applied (logged)
  double newest_creation_time = 0;            // epoch seconds; 0 when no record carries one
  std::vector<StreamSkip> skips;              // one per skipped record, in record order
};

// How far writers' clocks may run ahead of the handler's: an invalidation without a version fences
// at least this far above the handler's clock, so no fill that read before the change lands.
inline constexpr std::chrono::seconds kClockSkewAllowance{5};

struct StreamPlanOptions {
  // The handler's clock (microseconds since the epoch); 0 reads the system clock.
  std::int64_t now_us = 0;
  // A record older than this is fenced, not applied: a newer entry for its id may have expired
  // meanwhile, and applying it would take readers back in time. Zero: no limit.
  std::chrono::milliseconds max_apply_age{0};
};

// The longest record age that is still safe to apply: entries live at least ttl * (1 - jitter),
// less a margin for ApproximateCreationDateTime's whole seconds and clock skew.
std::chrono::milliseconds max_apply_age(const cache::ItemCacheOptions& cache);

// The op for one record; nullopt (with a reason) for a poison record.
Expected<StreamOp, std::string> plan_record(const lambda::events::DynamoDbRecord& record,
                                            const StreamPlanOptions& options = {});
// Plans a batch from the event JSON; records that do not decode are skipped, not fatal. One SAX
// pass decodes the records straight into ops, each NewImage serialized once to its canonical body;
// a damaged record is re-read on its own by the DOM planner (stream_dom.h) for its exact reason.
Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json,
                                                    const StreamPlanOptions& options = {});
// Called with the ops of each record as soon as it is planned, in record order.
using OnPlanned = std::function<void(std::span<const StreamOp>)>;
// The same, handing each record's ops to `on_planned` as the SAX pass plans them; `fell_back` is
// set when the DOM planner made the plan instead (the ops handed over are then not its ops).
Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json,
                                                    const StreamPlanOptions& options,
                                                    const OnPlanned& on_planned, bool& fell_back);

struct StreamOutcome {
  lambda::events::BatchResponse response;
  int applied = 0;
  int stale = 0;
  int invalidated = 0;
  int fenced = 0;  // records too old to apply (see StreamPlanOptions::max_apply_age)
  int skipped = 0;
  int failed = 0;     // records from the first one not applied on (Lambda delivers them again)
  int permanent = 0;  // records Redis refused for good (logged with key and reason)
  int attempts = 0;   // round trips to Redis (1 unless it was unavailable)
  double newest_creation_time = 0;
};

// How long and how often a batch is retried while Redis is unavailable.
struct StreamRetryOptions {
  // Unavailable ops are retried until this passes; every attempt's timeouts are cut to it.
  // never(): one attempt, no retries (nothing would end them).
  Deadline until = Deadline::never();
  // Capped exponential backoff with equal jitter: attempt n waits in [b/2, b], b = min(max,
  // min·2^n).
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{1000};
  std::function<void(std::chrono::milliseconds)> sleep;  // empty: std::this_thread::sleep_for
  std::uint64_t seed = 0;                                // jitter; 0: random_seed()
};

// The budget of an invocation with `remaining` time left: that, less a margin to log and post
// the answer (max(1 s, 10 % of it), at most half of it, so a tiny timeout still gets an attempt).
Deadline invocation_budget(std::chrono::milliseconds remaining);

StreamOutcome apply_stream_plan(const StreamPlan& plan, StreamCachePort& cache,
                                const StreamRetryOptions& retry = {});

// plan_stream_batch, then apply_stream_plan, with each op sent to the cache as soon as its record
// is planned (StreamCachePort::send_planned): Redis applies the first records while the rest are
// decoded, so the batch takes about the longer of the two instead of their sum. An event that is
// not a batch fails as plan_stream_batch does, with the started batch abandoned.
Expected<StreamOutcome, std::string> apply_stream_batch(std::string_view event_json,
                                                        const StreamPlanOptions& options,
                                                        StreamCachePort& cache,
                                                        const StreamRetryOptions& retry = {});

}  // namespace streamcache::items
