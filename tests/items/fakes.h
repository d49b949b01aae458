// In-memory ItemStore and cache ports for the items unit tests. The cache fake follows the rules
// of docs/cache.md (set-if-newer, tombstone tie rule, negative entries) so the logic is checked
// against the same semantics as the Lua script.
#pragma once

#include <map>
#include <string>

#include "aws/attribute_value.h"
#include "items/ports.h"

namespace streamcache::items::testing {

class FakeStore : public ItemStore {
 public:
  Expected<std::optional<json::Value>, StoreError> get(std::string_view id) override {
    ++gets;
    if (failure) return unexpected(*failure);
    auto it = items.find(std::string(id));
    if (it == items.end()) return std::optional<json::Value>();
    return std::optional<json::Value>(it->second);
  }
  Expected<void, StoreError> put(const json::Value& item, WriteCondition condition) override {
    ++puts;
    if (failure) return unexpected(*failure);
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      return unexpected(StoreError{StoreError::Kind::conflict, "injected"});
    }
    std::string id(*item.get_string("id"));
    auto it = items.find(id);
    bool ok = false;
    switch (condition.kind) {
      case WriteCondition::Kind::absent:
        ok = it == items.end();
        break;
      case WriteCondition::Kind::version_equals:
        ok = it != items.end() && version_of(it->second) == condition.version;
        break;
      case WriteCondition::Kind::unversioned:
        ok = it != items.end() && !version_of(it->second);
        break;
    }
    if (!ok) return unexpected(StoreError{StoreError::Kind::conflict, "condition failed"});
    // Round trip through attributes, like DynamoDB would store it.
    auto attributes = aws::map_from_plain_json(item);
    if (!attributes) return unexpected(StoreError{StoreError::Kind::invalid, attributes.error()});
    items[id] = aws::to_plain_json(*attributes);
    return {};
  }
  Expected<json::Value, StoreError> remove(std::string_view id,
                                           std::optional<Version> expected) override {
    if (failure) return unexpected(*failure);
    auto it = items.find(std::string(id));
    if (it == items.end() || (expected && version_of(it->second) != *expected)) {
      return unexpected(StoreError{StoreError::Kind::conflict, "condition failed"});
    }
    json::Value old = it->second;
    items.erase(it);
    return old;
  }
  Expected<ListPage, StoreError> list(int limit, std::optional<std::string> start) override {
    if (failure) return unexpected(*failure);
    ListPage page;
    auto it = start ? items.upper_bound(*start) : items.begin();
    for (; it != items.end() && static_cast<int>(page.items.size()) < limit; ++it) {
      page.items.push_back(it->second);
    }
    if (it != items.end()) page.last_id = *page.items.back().get_string("id");
    return page;
  }

  std::map<std::string, json::Value> items;
  std::optional<StoreError> failure;
  int conflicts_to_inject = 0;
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
  Expected<cache::GetResult, cache::Error> get(std::string_view id) override {
    if (down) return unexpected(cache::Error{cache::ErrorCode::unavailable, "down"});
    cache::GetResult r;
    auto it = entries.find(std::string(id));
    if (it == entries.end()) return r;
    r.version = it->second.version;
    if (it->second.kind == 'I') {
      r.status = cache::GetResult::Status::hit;
      r.body = it->second.body;
    } else {
      r.status = cache::GetResult::Status::not_found;
    }
    return r;
  }
  Expected<cache::WriteResult, cache::Error> apply_if_newer(std::string_view id, Version v,
                                                            std::string_view body) override {
    return write(id, {'I', v, std::string(body)});
  }
  Expected<cache::WriteResult, cache::Error> tombstone_if_newer(std::string_view id,
                                                                Version v) override {
    return write(id, {'T', v, {}});
  }
  Expected<cache::WriteResult, cache::Error> fill_negative(std::string_view id) override {
    return write(id, {'N', 0, {}});
  }
  void execute(std::span<const StreamOp> ops, StreamResults& results) override {
    ++batches;
    results.clear();
    for (const auto& op : ops) {
      if (fail_from && results.size() >= *fail_from) {
        results.push_back(unexpected(cache::Error{cache::ErrorCode::unavailable, "down"}));
        continue;
      }
      switch (op.kind) {
        case StreamOp::Kind::apply:
          results.push_back(apply_if_newer(op.id, op.version, op.body));
          break;
        case StreamOp::Kind::tombstone:
          results.push_back(tombstone_if_newer(op.id, op.version));
          break;
        case StreamOp::Kind::invalidate:
          if (down) {
            results.push_back(unexpected(cache::Error{cache::ErrorCode::unavailable, "down"}));
          } else {
            entries.erase(op.id);
            results.push_back(cache::WriteResult::applied);
          }
          break;
      }
    }
  }

  std::map<std::string, FakeEntry> entries;
  bool down = false;
  std::optional<std::size_t> fail_from;  // stream ops from this index fail
  int batches = 0;

 private:
  Expected<cache::WriteResult, cache::Error> write(std::string_view id, FakeEntry entry) {
    if (down) return unexpected(cache::Error{cache::ErrorCode::unavailable, "down"});
    auto it = entries.find(std::string(id));
    if (it != entries.end()) {
      const FakeEntry& cur = it->second;
      if (entry.version < cur.version) return cache::WriteResult::stale;
      if (entry.version == cur.version && !(cur.kind == 'T' && entry.kind == 'I')) {
        return cache::WriteResult::stale;
      }
    }
    entries[std::string(id)] = std::move(entry);
    return cache::WriteResult::applied;
  }
};

}  // namespace streamcache::items::testing
