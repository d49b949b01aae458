// Applying a DynamoDB Streams batch to the cache: each record becomes one versioned cache op
// (INSERT/MODIFY → apply_if_newer, REMOVE → tombstone at old version + 1, no version or
// KEYS_ONLY → invalidate), run as one pipelined batch; the first record Redis failed on is
// reported as a batch item failure so Lambda retries from there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "items/ports.h"
#include "lambda/events/dynamodb.h"

namespace streamcache::items {

struct StreamPlan {
  std::vector<StreamOp> ops;
  std::vector<std::string> sequence_numbers;  // per record of the batch
  int skipped = 0;                            // records that can never be applied (logged)
  double newest_creation_time = 0;            // epoch seconds; 0 when no record carries one
};

// The op for one record; nullopt (with a reason) for a poison record.
Expected<StreamOp, std::string> plan_record(const lambda::events::DynamoDbRecord& record);
// Plans a batch from the event JSON; records that do not decode are skipped, not fatal.
Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json);

struct StreamOutcome {
  lambda::events::BatchResponse response;
  int applied = 0;
  int stale = 0;
  int invalidated = 0;
  int skipped = 0;
  int failed = 0;  // records not applied because Redis failed (retried by Lambda)
  double newest_creation_time = 0;
};

StreamOutcome apply_stream_plan(const StreamPlan& plan, StreamCachePort& cache);

}  // namespace streamcache::items
