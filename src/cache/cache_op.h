// What both item caches share (ItemCache for one node, ClusterItemCache for Redis Cluster): the
// options, the operations of a batch and their results, the interface the items layer uses, and
// the pure command building and reply decoding of each operation. No I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cache/error.h"
#include "cache/item_protocol.h"
#include "cache/resp.h"
#include "common/deadline.h"
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

// Every TTL at least 1 ms, jitter in [0, 0.5].
Expected<void, Error> validate_item_cache_options(const ItemCacheOptions& options);

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

// A versioned item cache as its users see it, whatever its topology (one node or a cluster).
class ItemCacheClient {
 public:
  virtual ~ItemCacheClient() = default;
  // Every op of `ops`, pipelined; results[i] answers ops[i] (capacity reused). An invalid op
  // fails alone (invalid_argument); every connect and exchange is cut to what `budget` has left.
  virtual void execute(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) = 0;
  // A batch sent while it is still being made, so the server works on its first ops meanwhile:
  // start_batch(), then send_ahead() with each run of new ops in order (their strings need to live
  // only during the call), then finish_batch() with every op of the batch, those sent ahead first
  // in the same order, answers like execute() under start_batch()'s budget. Anything else before
  // finish_batch() abandons it. By default nothing is sent ahead: finish_batch() is execute().
  virtual void start_batch(Deadline budget) { (void)budget; }
  virtual void send_ahead(std::span<const CacheOp> ops) { (void)ops; }
  virtual void finish_batch(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) {
    execute(ops, results, budget);
  }
  // Drops a started batch without its results (what was sent may still be applied).
  virtual void abandon_batch() {}
  // Ends every connection's reconnect backoff (RedisConnection::end_backoff): for callers that
  // pace their own retries.
  virtual void end_backoff() = 0;
  [[nodiscard]] virtual const ItemCacheOptions& options() const = 0;
  // Up to `count` keys drawn at random by RANDOMKEY, with replacement (an empty node adds none),
  // pipelined: for the consistency monitor. A cluster draws from every primary evenly (count /
  // primaries each, one more from the first count % primaries), one round trip per primary.
  virtual Expected<std::vector<std::string>, Error> random_keys(std::size_t count,
                                                                Deadline budget) = 0;

 protected:
  ItemCacheClient() = default;
  ItemCacheClient(const ItemCacheClient&) = default;
  ItemCacheClient(ItemCacheClient&&) = default;
  ItemCacheClient& operator=(const ItemCacheClient&) = default;
  ItemCacheClient& operator=(ItemCacheClient&&) = default;
};

// The id (and, for writes, the version) within the protocol's limits.
Expected<void, Error> validate_op(const CacheOp& op);
// Appends the command of a valid `op` on `key` (item_key(op.id)): GET, or EVALSHA of the
// set-if-newer script with the entry and a TTL jittered by `random`.
void append_op_command(CommandBuffer& commands, const CacheOp& op, std::string_view key,
                       const ItemCacheOptions& options, std::uint64_t random);
// The reply to one op's command as its result.
Expected<OpResult, Error> op_result_from_reply(OpKind kind, Reply&& reply);
// Appends the keys of RANDOMKEY replies to `keys` (nil: an empty node); the first error reply
// fails.
Expected<void, Error> append_random_keys(std::vector<Reply>& replies,
                                         std::vector<std::string>& keys);
// SCRIPT LOAD's reply: the set-if-newer script's SHA, else why not.
Expected<void, Error> check_script_loaded(const Reply& reply);

// Cheap per-client randomness for TTL jitter (no shared state).
std::uint64_t splitmix64(std::uint64_t& state);

}  // namespace streamcache::cache
