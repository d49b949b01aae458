// The versioned item cache (ARCHITECTURE.md, "The cache coherence protocol"): every write is one
// atomic set-if-newer script run by EVALSHA, so stale fills, fills after deletes and replayed or
// reordered stream records can never move an entry back to an older version.
//
// Not thread-safe, like the RedisConnection it owns: one per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/cache_op.h"
#include "cache/error.h"
#include "cache/item_protocol.h"
#include "cache/redis_connection.h"
#include "common/expected.h"

namespace streamcache::cache {

class ItemCache final : public ItemCacheClient {
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
               Deadline budget = Deadline::never()) override;
  // One pipeline, written as the ops come (every kSendAheadBytes of commands), read at the end.
  void start_batch(Deadline budget) override;
  void send_ahead(std::span<const CacheOp> ops) override;
  void finish_batch(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) override;
  void abandon_batch() override;
  void end_backoff() override { connection_.end_backoff(); }
  // `count` RANDOMKEY in one round trip.
  Expected<std::vector<std::string>, Error> random_keys(std::size_t count,
                                                        Deadline budget) override;

  [[nodiscard]] RedisConnection& connection() { return connection_; }
  [[nodiscard]] const ItemCacheOptions& options() const override { return options_; }

 private:
  ItemCache(RedisConnection connection, ItemCacheOptions options);
  Expected<void, Error> append(const CacheOp& op);
  // Appends ops[k] as the op numbered first + k of the batch: its command, or its refusal.
  void append_all(std::span<const CacheOp> ops, std::size_t first);
  // The results of the batch in commands_ from the pipeline's outcome: a NOSCRIPT reply runs its
  // op again after loading the script; READONLY reconnects.
  void collect(std::span<const CacheOp> ops, BatchResults& results, Expected<void, Error> done,
               Deadline budget);

  RedisConnection connection_;
  ItemCacheOptions options_;
  std::uint64_t random_state_;
  // Reused per call so the hot path does not allocate for them.
  CommandBuffer commands_;
  std::vector<Reply> replies_;
  std::vector<std::size_t> sent_;                       // the op index of each command sent
  std::vector<std::size_t> retry_;                      // ops to run again after NOSCRIPT
  std::vector<std::pair<std::size_t, Error>> refused_;  // invalid ops, not sent
  // start_batch(): a batch is open, how many ops it has, commands_' size at the last write.
  bool batch_open_ = false;
  std::size_t ahead_ = 0;
  std::size_t written_at_ = 0;
  std::string key_;
  BatchResults single_;
};

}  // namespace streamcache::cache
