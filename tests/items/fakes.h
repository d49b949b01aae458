// In-memory ItemStore and cache ports for the items unit tests. The cache fake follows the rules
// of docs/cache.md (set-if-newer, tombstone tie rule, negative entries) so the logic is checked
// against the same semantics as the Lua script.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aws/attribute_value.h"
#include "items/ports.h"

namespace streamcache::items::testing {

class FakeStore : public ItemStore {
 public:
  Expected<std::optional<json::Value>, StoreError> get(std::string_view id,
                                                       Deadline = Deadline::never()) override {
    ++gets;
    if (failure) return unexpected(*failure);
    auto it = items.find(std::string(id));
    if (it == items.end()) return std::optional<json::Value>();
    return std::optional<json::Value>(it->second);
  }
  Expected<void, StoreError> put(const json::Value& row, WriteCondition condition,
                                 Deadline = Deadline::never()) override {
    ++puts;
    if (failure) return unexpected(*failure);
    std::string id(*row.get_string("id"));
    auto it = items.find(id);
    auto conflict = [&](std::string why) {
      StoreError error{StoreError::Kind::conflict, std::move(why), std::nullopt};
      if (it != items.end()) error.current = it->second;
      return unexpected(std::move(error));
    };
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      return conflict("injected");
    }
    const Version operand = version_of(row).value_or(0);
    const bool exists = it != items.end();
    const bool marker = exists && is_deleted_marker(it->second);
    const std::optional<Version> stored = exists ? version_of(it->second) : std::nullopt;
    bool ok = false;
    switch (condition.kind) {
      case WriteCondition::Kind::creatable:
        ok = !exists || (marker && stored && *stored < operand);
        break;
      case WriteCondition::Kind::version_equals:
        ok = stored == condition.version;
        break;
      case WriteCondition::Kind::unversioned:
        ok = exists && !stored;
        break;
      case WriteCondition::Kind::live_below:
        ok = exists && !marker && (!stored || *stored < operand);
        break;
    }
    if (!ok) return conflict("condition failed");
    // Round trip through attributes, numbers in their canonical text, as DynamoDB stores it.
    auto attributes = aws::map_from_plain_json(row);
    if (!attributes) return unexpected(StoreError{StoreError::Kind::invalid, attributes.error()});
    json::Value stored_row = aws::to_plain_json(*attributes);
    if (auto canonical = canonicalize_numbers(stored_row); !canonical) {
      return unexpected(StoreError{StoreError::Kind::invalid, canonical.error()});
    }
    items[id] = std::move(stored_row);
    it = items.find(id);
    if (lose_next_answer) {
      lose_next_answer = false;  // committed, but the caller hears what its retry would see
      return conflict("the first attempt committed; its answer was lost");
    }
    return {};
  }
  // Live items only, like the table's Scan with its filter.
  Expected<ListPage, StoreError> list(int limit, std::optional<std::string> start,
                                      Deadline = Deadline::never()) override {
    if (failure) return unexpected(*failure);
    ListPage page;
    auto it = start ? items.upper_bound(*start) : items.begin();
    int scanned = 0;
    for (; it != items.end() && scanned < limit; ++it, ++scanned) {
      if (!is_deleted_marker(it->second)) page.items.push_back(it->second);
    }
    if (it != items.end() && scanned > 0) page.last_id = std::prev(it)->first;
    return page;
  }

  std::map<std::string, json::Value> items;
  std::optional<StoreError> failure;
  int conflicts_to_inject = 0;
  bool lose_next_answer = false;  // the next put commits, then reports what a retry would see
  int gets = 0;
  int puts = 0;
};

struct FakeEntry {
  char kind = 'I';
  Version version = 0;
  std::string body;
};

class FakeCache : public ItemCachePort, public StreamCachePort {
 public:
  Expected<cache::GetResult, cache::Error> get(std::string_view id,
                                               Deadline = Deadline::never()) override {
    if (down) return unexpected(cache::Error{cache::ErrorCode::unavailable, "down"});
    cache::GetResult r;
    auto it = entries.find(std::string(id));
    if (it == entries.end()) return r;
    r.version = it->second.version;
    if (it->second.kind == 'F') return cache::GetResult{};  // a fence reads as a miss
    if (it->second.kind == 'I') {
      r.status = cache::GetResult::Status::hit;
      r.body = it->second.body;
    } else {
      r.status = cache::GetResult::Status::not_found;
    }
    return r;
  }
  Expected<cache::WriteResult, cache::Error> apply_if_newer(std::string_view id, Version v,
                                                            std::string_view body,
                                                            Deadline = Deadline::never()) override {
    return write(id, {'I', v, std::string(body)});
  }
  Expected<cache::WriteResult, cache::Error> tombstone_if_newer(
      std::string_view id, Version v, Deadline = Deadline::never()) override {
    return write(id, {'T', v, {}});
  }
  Expected<cache::WriteResult, cache::Error> fill_negative(std::string_view id,
                                                           Deadline = Deadline::never()) override {
    return write(id, {'N', 0, {}});
  }
  void start_batch(Deadline) override {
    ++started;
    open = true;
  }
  void send_planned(std::span<const StreamOp> ops) override {
    for (const auto& op : ops)
      sent_ahead.push_back(open ? op.id : "(not started)");
  }
  void abandon_batch() override {
    ++abandoned;
    open = false;
    sent_ahead.clear();
  }
  void execute(std::span<const StreamOp> ops, StreamResults& results, Deadline budget) override {
    if (std::exchange(open, false)) {
      // The batch's execute must begin with exactly the ops sent ahead, in order.
      ahead_prefix_matches = sent_ahead.size() <= ops.size();
      for (std::size_t i = 0; ahead_prefix_matches && i < sent_ahead.size(); ++i)
        ahead_prefix_matches = ops[i].id == sent_ahead[i];
    }
    ++batches;
    budgets.push_back(budget);
    batch_sizes.push_back(ops.size());
    results.clear();
    const bool outage = unavailable_batches > 0;
    if (outage) --unavailable_batches;
    for (const auto& op : ops) {
      if (outage || (fail_from && results.size() >= *fail_from)) {
        results.push_back(unexpected(cache::Error{cache::ErrorCode::unavailable, "down"}));
        continue;
      }
      if (auto flaky = unavailable_times.find(op.id);
          flaky != unavailable_times.end() && flaky->second > 0) {
        --flaky->second;
        results.push_back(unexpected(cache::Error{cache::ErrorCode::unavailable, "BUSY"}));
        continue;
      }
      if (refused.contains(op.id)) {
        results.push_back(unexpected(cache::Error{
            cache::ErrorCode::reply, "redis replied: WRONGTYPE Operation against a key"}));
        continue;
      }
      switch (op.kind) {
        case StreamOp::Kind::apply:
          results.push_back(apply_if_newer(op.id, op.version, op.body));
          break;
        case StreamOp::Kind::tombstone:
          results.push_back(tombstone_if_newer(op.id, op.version));
          break;
        case StreamOp::Kind::fence:
          results.push_back(write(op.id, {'F', op.version, {}}));
          break;
        case StreamOp::Kind::invalidate: {
          Version v = op.version;
          if (auto it = entries.find(op.id); it != entries.end() && it->second.version >= v) {
            v = it->second.version + 1;
          }
          if (down) {
            results.push_back(unexpected(cache::Error{cache::ErrorCode::unavailable, "down"}));
          } else {
            entries[op.id] = {'F', v, {}};
            results.push_back(cache::WriteResult::applied);
          }
          break;
        }
      }
    }
  }

  std::map<std::string, FakeEntry> entries;
  bool down = false;
  std::optional<std::size_t> fail_from;        // stream ops from this index fail
  int unavailable_batches = 0;                 // the next N stream batches fail whole (an outage)
  std::set<std::string, std::less<>> refused;  // ids whose stream ops fail for good (WRONGTYPE)
  std::map<std::string, int, std::less<>> unavailable_times;  // id -> its next ops that fail
  int batches = 0;
  std::vector<Deadline> budgets;         // the budget each stream batch was given
  std::vector<std::size_t> batch_sizes;  // the ops of each stream batch
  // The batch sent ahead (start_batch / send_planned / abandon_batch): calls, the ids sent, and
  // whether the execute() that finished it began with those ops.
  int started = 0;
  int abandoned = 0;
  bool open = false;
  std::vector<std::string> sent_ahead;
  bool ahead_prefix_matches = false;

 private:
  // At equal versions: fence < negative = tombstone < item, as in the script.
  static int rank(char kind) { return kind == 'F' ? 0 : kind == 'I' ? 2 : 1; }
  Expected<cache::WriteResult, cache::Error> write(std::string_view id, FakeEntry entry) {
    if (down) return unexpected(cache::Error{cache::ErrorCode::unavailable, "down"});
    auto it = entries.find(std::string(id));
    if (it != entries.end()) {
      const FakeEntry& cur = it->second;
      if (entry.version < cur.version) return cache::WriteResult::stale;
      if (entry.version == cur.version && rank(entry.kind) <= rank(cur.kind)) {
        return cache::WriteResult::stale;
      }
    }
    entries[std::string(id)] = std::move(entry);
    return cache::WriteResult::applied;
  }
};

}  // namespace streamcache::items::testing
