// The DynamoDB Streams batch both stream handlers get in bench_stream_peers: Lambda's event shape
// with NEW_AND_OLD_IMAGES records of a realistic item (11 attributes: strings, numbers with and
// without fractions, a list, nested maps, a boolean), distinct ids, mostly MODIFY with some INSERT
// and REMOVE, as a table under ordinary write load produces them.
#pragma once

#include <cstdint>
#include <string>

namespace streamcache::bench {

struct StreamBatchOptions {
  int records = 1000;
  std::int64_t first_version =
      0;                       // record i carries first_version + i (µs-like, as the API writes)
  std::int64_t created_s = 0;  // ApproximateCreationDateTime: recent, or the handler fences
};

std::string stream_batch_event(const StreamBatchOptions& options);

// One item as plain JSON, the size of the bodies the batch carries (for redis-benchmark's EVALSHA).
std::string item_body(int n, std::int64_t version);

}  // namespace streamcache::bench
