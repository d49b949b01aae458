#include "items/monitor.h"

#include <charconv>

#include "items/item.h"

namespace streamcache::items {

namespace {

using Kind = cache::EntryKind;
using Table = TableState::Kind;

Judgement ok() {
  return {Verdict::consistent, {}};
}
Judgement lag(std::string_view rule) {
  return {Verdict::lagging, rule};
}
Judgement bad(std::string_view rule) {
  return {Verdict::inconsistent, rule};
}

// A cached item: only the same version with the same bytes is right.
Judgement judge_item(const CachedEntry& entry, const TableState& table,
                     const std::optional<json::Value>& row) {
  switch (table.kind) {
    case Table::item:
      if (entry.version > table.version) return bad("item-ahead-of-table");
      if (entry.version < table.version) return lag("item-behind-table");
      // Rule 8: the same version must carry the same bytes, or nothing will ever correct it.
      if (entry.body != json::serialize(canonical(*row)))
        return bad("body-differs-at-same-version");
      return ok();
    case Table::deleted:
      // The marker is above the deleted version; a cached item at or above it was never written.
      if (entry.version >= table.version) return bad("item-at-or-above-deleted-marker");
      return lag("item-cached-after-delete");
    case Table::absent:
      return lag("item-cached-without-row");
    case Table::unversioned:
      return lag("item-cached-over-unversioned-row");
  }
  return ok();
}

// A tombstone or negative entry answers 404: right unless the table holds a live item.
Judgement judge_not_found(const CachedEntry& entry, const TableState& table) {
  switch (table.kind) {
    case Table::item:
      // A tombstone is the deleted marker's version: the table can only be at or above it.
      if (entry.kind == Kind::tombstone && entry.version > table.version) {
        return bad("tombstone-above-live-item");
      }
      return lag("not-found-cached-over-live-item");
    case Table::unversioned:
      return lag("not-found-cached-over-unversioned-row");
    case Table::deleted:
    case Table::absent:
      return ok();
  }
  return ok();
}

// Did a lagging entry catch up with what the table held before the grace window?
bool caught_up(const CachedEntry& before, const std::optional<CachedEntry>& after,
               const TableState& table_before) {
  if (!after) return true;  // evicted or expired: the next read fills from the table
  const bool moved = after->kind != before.kind || after->version != before.version;
  const bool versioned = table_before.kind == Table::item || table_before.kind == Table::deleted;
  if (versioned) return after->version >= table_before.version;
  return moved;
}

Expected<std::size_t, std::string> whole_number(const EnvLookup& env, std::string_view name,
                                                std::size_t fallback, std::size_t low,
                                                std::size_t high) {
  auto text = non_empty(env, name);
  if (!text) return fallback;
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < low || value > high) {
    return unexpected(std::string(name) + "=" + *text + " is not valid: use a whole number from " +
                      std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
}

struct Pending {
  std::string id;
  CachedEntry entry;
  TableState table;
};

}  // namespace

TableState table_state_of(const std::optional<json::Value>& row) {
  if (!row) return {Table::absent, 0};
  const auto version = version_of(*row);
  if (is_deleted_marker(*row)) return {Table::deleted, version.value_or(0)};
  if (!version) return {Table::unversioned, 0};
  return {Table::item, *version};
}

std::string_view to_string(TableState::Kind kind) {
  switch (kind) {
    case Table::absent:
      return "absent";
    case Table::item:
      return "item";
    case Table::deleted:
      return "deleted";
    case Table::unversioned:
      return "unversioned";
  }
  return "absent";
}

Judgement judge_entry(const CachedEntry& entry, const std::optional<json::Value>& row) {
  const TableState table = table_state_of(row);
  switch (entry.kind) {
    case Kind::fence:
      return ok();  // read as a miss: it serves nothing
    case Kind::item:
      return judge_item(entry, table, row);
    case Kind::tombstone:
    case Kind::negative:
      return judge_not_found(entry, table);
  }
  return ok();
}

Expected<MonitorOptions, std::string> load_monitor_options(const EnvLookup& env) {
  MonitorOptions options;
  auto size = whole_number(env, "MONITOR_SAMPLE_SIZE", options.sample_size, 1,
                           MonitorOptions::kMaxSampleSize);
  if (!size) return unexpected(size.error());
  options.sample_size = *size;
  auto grace =
      whole_number(env, "MONITOR_GRACE_SECONDS", static_cast<std::size_t>(options.grace.count()), 0,
                   static_cast<std::size_t>(MonitorOptions::kMaxGrace.count()));
  if (!grace) return unexpected(grace.error() + " seconds");
  options.grace = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(*grace));
  return options;
}

MonitorReport check_cache_consistency(CacheSampler& cache, ItemStore& table,
                                      const MonitorOptions& options, const GraceWait& wait,
                                      Deadline deadline) {
  MonitorReport report;
  auto ids = cache.sample_ids(options.sample_size, deadline);
  if (!ids) {
    report.errors.push_back("sampling the cache: " + cache::describe(ids.error()));
    return report;
  }
  report.sampled = ids->size();
  if (ids->empty()) return report;
  auto entries = cache.read(*ids, deadline);
  if (!entries) {
    report.errors.push_back("reading sampled entries: " + cache::describe(entries.error()));
    return report;
  }
  auto report_found = [&](std::string id, const CachedEntry& entry, std::string_view rule,
                          const TableState& state, bool past_grace) {
    report.inconsistent.push_back(
        {std::move(id), rule, entry.kind, entry.version, state, past_grace});
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < ids->size() && i < entries->size(); ++i) {
    const auto& entry = (*entries)[i];
    if (!entry) continue;  // expired between the sample and the read
    auto row = table.get((*ids)[i], deadline);
    if (!row) {
      report.errors.push_back("reading " + (*ids)[i] + " from the table: " + row.error().message);
      continue;
    }
    ++report.checked;
    const Judgement judged = judge_entry(*entry, *row);
    if (judged.verdict == Verdict::inconsistent) {
      report_found((*ids)[i], *entry, judged.rule, table_state_of(*row), false);
    } else if (judged.verdict == Verdict::lagging) {
      pending.push_back({(*ids)[i], *entry, table_state_of(*row)});
    }
  }
  report.lagging = pending.size();
  if (pending.empty()) return report;
  if (deadline.remaining() <= options.grace) {
    report.unresolved = pending.size();  // a longer timeout or a shorter grace window fixes it
    return report;
  }
  wait(options.grace);
  std::vector<std::string> again;
  again.reserve(pending.size());
  for (const auto& p : pending)
    again.push_back(p.id);
  auto later = cache.read(again, deadline);
  if (!later) {
    report.unresolved = pending.size();
    report.errors.push_back("re-reading lagging entries: " + cache::describe(later.error()));
    return report;
  }
  for (std::size_t i = 0; i < pending.size() && i < later->size(); ++i) {
    const auto& after = (*later)[i];
    if (caught_up(pending[i].entry, after, pending[i].table)) continue;
    auto row = table.get(pending[i].id, deadline);
    if (!row) {
      ++report.unresolved;
      report.errors.push_back("re-reading " + pending[i].id +
                              " from the table: " + row.error().message);
      continue;
    }
    const Judgement judged = judge_entry(*after, *row);
    if (judged.verdict != Verdict::consistent) {
      report_found(pending[i].id, *after, judged.rule, table_state_of(*row), true);
    }
  }
  return report;
}

void log_inconsistency(logging::Logger& logger, const Inconsistency& found) {
  const char kind = static_cast<char>(found.cache_kind);
  const std::string cache_version = std::to_string(found.cache_version);
  const std::string table_version = std::to_string(found.table.version);
  const bool table_versioned =
      found.table.kind == Table::item || found.table.kind == Table::deleted;
  logger.write(logging::Level::error, "cache entry inconsistent with the table",
               {{"id", found.id},
                {"rule", found.rule},
                {"cacheKind", std::string_view(&kind, 1)},
                {"cacheVersion", cache_version},
                {"tableState", to_string(found.table.kind)},
                {"tableVersion", table_versioned ? std::string_view(table_version) : "none"},
                {"pastGrace", found.past_grace ? "true" : "false"}});
}

}  // namespace streamcache::items
