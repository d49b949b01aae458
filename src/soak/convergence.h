// The end of a soak: wait until the stream mapping has handled every record the table's stream
// holds, then compare each id's cache entry and API answer with the table (consistent reads).
// The invariant is ARCHITECTURE.md's: a cached item equals the table's row at its version; a
// tombstone or negative entry only for an id that is not live; a fence or nothing otherwise.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/expected.h"
#include "soak/stack.h"

namespace streamcache::soak {

struct StreamProgress {
  long long records_in_stream = 0;
  long long delivered = 0;  // records whose batch the function completed
  long long discarded = 0;  // records sent to the on-failure destination
  long long batches = 0;
  long long retries = 0;
};

// Polls until delivered + discarded reaches the stream's record count (or the deadline passes).
Expected<StreamProgress, std::string> drain_stream(const LocalStack& stack,
                                                   std::chrono::seconds timeout);

struct Divergence {
  std::string id;
  std::string what;  // e.g. "cache holds version 5, table 7"
};

struct ConvergenceReport {
  int ids_checked = 0;
  int live = 0;
  int cache_hits = 0;  // entries that serve the item itself
  std::vector<Divergence> diverged;
};

Expected<ConvergenceReport, std::string> check_convergence(const LocalStack& stack,
                                                           const std::vector<std::string>& ids);

}  // namespace streamcache::soak
