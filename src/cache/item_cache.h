// The versioned item cache (ARCHITECTURE.md, "The cache coherence protocol"): every write is one
// atomic set-if-newer script run by EVALSHA, so stale fills, fills after deletes and replayed or
// reordered stream records can never move an entry back to an older version.
//
// Not thread-safe, like the RedisConnection it owns: one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cache/error.h"
#include "cache/item_protocol.h"
#include "cache/redis_connection.h"
#include "common/expected.h"

namespace streamcache::cache {

struct ItemCacheOptions {
  std::chrono::milliseconds item_ttl = std::chrono::hours(1);
  // Must outlast the function timeout plus the stream lag bound, so no fill that read the item
  // before its delete can land after the tombstone expired.
  std::chrono::milliseconds tombstone_ttl = std::chrono::hours(1);
  // Short: a negative entry only absorbs repeated reads of an id that does not exist.
  std::chrono::milliseconds negative_ttl = std::chrono::seconds(30);
  // Every TTL is drawn uniformly from base * [1 - jitter, 1 + jitter]; in [0, 0.5].
  double ttl_jitter = 0.1;
};

enum class OpKind : std::uint8_t { get, apply, tombstone, negative, fence, invalidate };

// Matches only a std::string rvalue: a temporary that a view would outlive.
template <class T>
concept TemporaryString = std::is_same_v<T, std::string>;

// One operation of a batch. Views: the caller keeps id and body alive during execute() (the
// factories refuse temporary strings at compile time).
struct CacheOp {
  OpKind kind = OpKind::get;
  std::string_view id;
  Version version = 0;
  std::string_view body;

  static CacheOp get(std::string_view id) { return {OpKind::get, id, 0, {}}; }
  static CacheOp apply_if_newer(std::string_view id, Version version, std::string_view body) {
    return {OpKind::apply, id, version, body};
  }
  static CacheOp tombstone_if_newer(std::string_view id, Version tombstone_version) {
    return {OpKind::tombstone, id, tombstone_version, {}};
  }
  static CacheOp fill_negative(std::string_view id) { return {OpKind::negative, id, 0, {}}; }
  static CacheOp fence_if_newer(std::string_view id, Version version) {
    return {OpKind::fence, id, version, {}};
  }
  static CacheOp invalidate_above(std::string_view id, Version floor) {
    return {OpKind::invalidate, id, floor, {}};
  }

  template <TemporaryString S>
  static CacheOp get(S&& id) = delete;
  template <TemporaryString S>
  static CacheOp apply_if_newer(S&& id, Version version, std::string_view body) = delete;
  template <TemporaryString S>
  static CacheOp apply_if_newer(std::string_view id, Version version, S&& body) = delete;
  template <TemporaryString S>
  static CacheOp tombstone_if_newer(S&& id, Version tombstone_version) = delete;
  template <TemporaryString S>
  static CacheOp fill_negative(S&& id) = delete;
  template <TemporaryString S>
  static CacheOp fence_if_newer(S&& id, Version version) = delete;
  template <TemporaryString S>
  static CacheOp invalidate_above(S&& id, Version floor) = delete;
};

struct OpResult {
  WriteResult write = WriteResult::stale;  // every op but get
  GetResult read;                          // get
};
using BatchResults = std::vector<Expected<OpResult, Error>>;

class ItemCache {
 public:
  // Checks the options and prepares the connection (which loads the script on every connect);
  // does not connect: the first call does, so a process starts even while Redis is down.
  static Expected<ItemCache, Error> create(ConnectionOptions connection,
                                           ItemCacheOptions options = {});

  // One GET: a hit, a tombstone or negative entry (not_found), or a miss.
  Expected<GetResult, Error> get(std::string_view id);
  // Writes the item unless the cached entry is as new or newer.
  Expected<WriteResult, Error> apply_if_newer(std::string_view id, Version version,
                                              std::string_view body);
  // `tombstone_version` is the deleted item's version + 1: it beats every fill of the deleted
  // item, and an item carrying that same version (only a re-create can) still beats it.
  Expected<WriteResult, Error> tombstone_if_newer(std::string_view id, Version tombstone_version);
  // Records "not in the table" with version 0 and negative_ttl: never replaces any entry.
  Expected<WriteResult, Error> fill_negative(std::string_view id);
  // A fence at `version` (read as a miss, tombstone_ttl): refuses every write older than it, and
  // gives way to an item or tombstone of the same version. For changes too old to apply safely.
  Expected<WriteResult, Error> fence_if_newer(std::string_view id, Version version);
  // Always applied: a fence at max(floor, cached version + 1), so no write that read the table
  // before the change can land after it. Replaces a DEL for changes that carry no version.
  Expected<WriteResult, Error> invalidate_above(std::string_view id, Version floor);

  // Every op in one round trip (pipelined); results[i] answers ops[i]. An invalid op fails alone
  // (invalid_argument) and is not sent; a failed exchange fails every op sent with it. Every
  // connect and exchange is cut to what `budget` has left.
  BatchResults execute(std::span<const CacheOp> ops, Deadline budget = Deadline::never());
  // The same into `results`, whose capacity is reused.
  void execute(std::span<const CacheOp> ops, BatchResults& results,
               Deadline budget = Deadline::never());

  [[nodiscard]] RedisConnection& connection() { return connection_; }
  [[nodiscard]] const ItemCacheOptions& options() const { return options_; }

 private:
  ItemCache(RedisConnection connection, ItemCacheOptions options);
  Expected<void, Error> append(const CacheOp& op);
  std::uint64_t next_random();

  RedisConnection connection_;
  ItemCacheOptions options_;
  std::uint64_t random_state_;
  // Reused per call so the hot path does not allocate for them.
  CommandBuffer commands_;
  std::vector<Reply> replies_;
  std::vector<std::size_t> sent_;   // the op index of each command sent
  std::vector<std::size_t> retry_;  // ops to run again after NOSCRIPT
  std::string key_;
  BatchResults single_;
};

}  // namespace streamcache::cache
