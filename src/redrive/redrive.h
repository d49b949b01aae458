// Redrive: replays the batches Lambda gave up on (its on-failure records) through the stream
// handler's own path, items::plan_stream_batch + items::apply_stream_plan. Every cache write is
// versioned, so replaying a batch the cache already has is a no-op, and a record too old to apply
// safely becomes a fence (reads miss and refill from DynamoDB): either way the cache converges.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/dynamodb_streams.h"
#include "items/ports.h"
#include "redrive/batch_fetch.h"

namespace streamcache::redrive {

enum class Outcome {
  applied,         // every record applied (or a no-op): the batch is done
  fetched,         // --dry-run: the records were read, nothing was applied
  invalid,         // the message is not an on-failure record for DynamoDB Streams
  past_retention,  // the records are trimmed (24 h retention) or the stream/shard is gone
  not_found,       // the stream does not have the batch's last sequence number
  fetch_failed,    // reading the stream failed (see detail)
  apply_failed,    // some records were not applied (Redis unavailable, refused, ...)
};
std::string_view to_string(Outcome outcome);

struct BatchReport {
  std::string source;  // "line 3", "message 0c7a…"
  Outcome outcome = Outcome::invalid;
  std::string detail;  // why, when not done
  std::string shard_id;
  std::string first_sequence_number;
  std::string last_sequence_number;
  std::int64_t batch_size = 0;  // as the on-failure record says
  std::size_t records = 0;      // read back from the stream
  // From items::StreamOutcome.
  int applied = 0;
  int stale = 0;  // older than (or equal to) what the cache holds: a no-op
  int fenced = 0;
  int invalidated = 0;
  int skipped = 0;  // records the handler can never apply (logged by it)
  int failed = 0;   // records not applied, permanent refusals included
  [[nodiscard]] bool done() const {
    return outcome == Outcome::applied || outcome == Outcome::fetched;
  }
};

struct RedriveOptions {
  bool dry_run = false;
  // Records older than this are fenced, not applied (items::max_apply_age of the cache settings).
  std::chrono::milliseconds max_apply_age{0};
  // How long a batch is retried while Redis is unavailable.
  std::chrono::milliseconds apply_timeout{std::chrono::seconds(30)};
  FetchOptions fetch;
};

class Redriver {
 public:
  // `cache` may be null with dry_run (nothing is applied).
  Redriver(aws::DynamoDbStreamsClient& streams, items::StreamCachePort* cache,
           RedriveOptions options);

  // One on-failure record (the JSON text of a line or message), `source` names it in the report.
  BatchReport redrive(std::string source, std::string_view record_json);

 private:
  aws::DynamoDbStreamsClient& streams_;
  items::StreamCachePort* cache_;
  RedriveOptions options_;
};

// The stream ARN's region (arn:aws:dynamodb:REGION:account:table/t/stream/label); "" if not an ARN.
std::string region_of_arn(std::string_view arn);

}  // namespace streamcache::redrive
