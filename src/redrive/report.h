// What the redrive prints: one line per batch and a summary; and its exit code.
#pragma once

#include <string>
#include <vector>

#include "redrive/redrive.h"

namespace streamcache::redrive {

// Exit codes of streamcache-redrive.
inline constexpr int kExitAllRedriven = 0;     // every batch applied (or fetched, with --dry-run)
inline constexpr int kExitNotAllRedriven = 1;  // some batch or message was not redriven
inline constexpr int kExitUsage = 2;           // bad flags or settings; nothing was done

struct Summary {
  int batches = 0;  // messages or lines read (blank lines are not counted)
  int done = 0;
  int invalid = 0;
  int past_retention = 0;
  int not_found = 0;
  int failed = 0;  // fetch or apply failed
  std::size_t records = 0;
  int applied = 0;
  int stale = 0;
  int fenced = 0;
  int invalidated = 0;
  int skipped = 0;
  int records_failed = 0;
  std::vector<std::string> errors;  // problems of the source itself (receive, delete, read)

  void add(const BatchReport& report);
  [[nodiscard]] bool all_redriven() const { return done == batches && errors.empty(); }
  [[nodiscard]] int exit_code() const {
    return all_redriven() ? kExitAllRedriven : kExitNotAllRedriven;
  }
};

// "line 2: shard shardId-1 sequence 110…10 to 110…12, 3 records: applied (applied 2, stale 1,
// fenced 0, invalidated 0, failed 0)"; a batch not done ends with its reason.
std::string format_report(const BatchReport& report);
// "redrive: 4 batches, 3 redriven, 1 past retention ...; records: ..."
std::string format_summary(const Summary& summary);

}  // namespace streamcache::redrive
