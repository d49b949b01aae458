// The production consistency monitor (docs/monitor.md): samples cached entries at random, reads
// each id from the table with a consistent read, and judges the pair by the coherence invariant of
// ARCHITECTURE.md. Entries that are only behind the table (a stream record in flight) are re-read
// after a grace window and reported only if they did not catch up. No I/O of its own: the cache
// and the table are ports, so the rules are tested without a network.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/item_protocol.h"
#include "common/deadline.h"
#include "common/env.h"
#include "common/expected.h"
#include "common/log.h"
#include "items/ports.h"

namespace streamcache::items {

// One cache entry as stored: every kind, fences included (ItemCachePort reads a fence as a miss).
struct CachedEntry {
  cache::EntryKind kind = cache::EntryKind::item;
  Version version = 0;
  std::string body;  // items only
};

// What the monitor needs from the cache: random ids and raw entries.
class CacheSampler {
 public:
  virtual ~CacheSampler() = default;
  // At most `count` distinct ids of cached entries, drawn at random (fewer when the cache is
  // small).
  virtual Expected<std::vector<std::string>, cache::Error> sample_ids(std::size_t count,
                                                                      Deadline deadline) = 0;
  // The entries of `ids`, in order; nullopt where nothing readable is cached.
  virtual Expected<std::vector<std::optional<CachedEntry>>, cache::Error> read(
      std::span<const std::string> ids, Deadline deadline) = 0;
};

enum class Verdict {
  consistent,    // the cache says what the table says (or says nothing: a fence)
  lagging,       // the cache is behind the table: legitimate while a stream record is in flight
  inconsistent,  // the table contradicts the cache in a way no in-flight write explains
};

struct Judgement {
  Verdict verdict = Verdict::consistent;
  std::string_view rule;  // why, e.g. "item-ahead-of-table"; empty when consistent
};

// The table's row, as the monitor sees it.
struct TableState {
  enum class Kind { absent, item, deleted, unversioned };
  Kind kind = Kind::absent;
  Version version = 0;  // item and deleted only
};
TableState table_state_of(const std::optional<json::Value>& row);
std::string_view to_string(TableState::Kind kind);

// The rules of docs/monitor.md, one entry against the consistent read of its id.
Judgement judge_entry(const CachedEntry& entry, const std::optional<json::Value>& row);

struct MonitorOptions {
  std::size_t sample_size = 50;    // MONITOR_SAMPLE_SIZE: entries sampled per run, 1-1000
  std::chrono::seconds grace{30};  // MONITOR_GRACE_SECONDS: 0-600, the stream lag tolerated
  static constexpr std::size_t kMaxSampleSize = 1000;
  static constexpr std::chrono::seconds kMaxGrace{600};
};
// Reads MONITOR_SAMPLE_SIZE and MONITOR_GRACE_SECONDS; the error names the variable and its range.
Expected<MonitorOptions, std::string> load_monitor_options(const EnvLookup& env);

struct Inconsistency {
  std::string id;
  std::string_view rule;
  cache::EntryKind cache_kind = cache::EntryKind::item;
  Version cache_version = 0;
  TableState table;
  bool past_grace = false;  // was behind the table and did not catch up within the grace window
};

struct MonitorReport {
  std::size_t sampled = 0;     // ids drawn
  std::size_t checked = 0;     // entries judged against a table read (CacheEntriesChecked)
  std::size_t lagging = 0;     // behind the table at first, re-read after the grace window
  std::size_t unresolved = 0;  // lagging entries the deadline left no time to re-read
  std::vector<Inconsistency> inconsistent;  // CacheEntriesInconsistent
  std::vector<std::string> errors;          // cache or table failures (the run is partial)
};

// Waits out the grace window (the function sleeps; tests advance the world instead).
using GraceWait = std::function<void(std::chrono::seconds)>;

// One run: one round trip to sample, one to read the entries (each per primary on a cluster), one
// consistent GetItem per entry; lagging entries once more of each after `wait`. Ends by
// `deadline`.
MonitorReport check_cache_consistency(CacheSampler& cache, ItemStore& table,
                                      const MonitorOptions& options, const GraceWait& wait,
                                      Deadline deadline = Deadline::never());

// One ERROR log line naming the id, the rule and both versions (kinds too).
void log_inconsistency(logging::Logger& logger, const Inconsistency& found);

}  // namespace streamcache::items
