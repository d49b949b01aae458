// The versioned item cache on a Redis Cluster (or ElastiCache cluster mode / Serverless): the same
// operations and results as ItemCache, over one connection per primary. Keys are item:{<id>}, so
// each script touches one slot; a batch is split by the primary that serves each key's slot and
// pipelined, one round trip per primary, every primary at once (RedisConnection::pipeline_each:
// one poll() over their sockets, no threads), results in input order.
//
// Redirections and faults: MOVED updates the slot map and resends there; ASK resends once to the
// importing node after ASKING, without touching the map; TRYAGAIN and CLUSTERDOWN are retried
// after a bounded backoff within the budget; NOSCRIPT loads the script on that node and resends.
// The map is read from CLUSTER SLOTS (the node that last answered, then the seed, then every known
// node) at the first call, after MOVED, CLUSTERDOWN or a lost node, and every refresh_interval, so
// a replica promoted by a failover is found without a restart. Reads stay on primaries: a replica
// may lag, which would break read-your-writes.
//
// Not thread-safe, like RedisConnection: one per thread.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_op.h"
#include "cache/cluster_topology.h"
#include "cache/error.h"
#include "cache/redis_connection.h"
#include "common/expected.h"

namespace streamcache::cache {

struct ClusterOptions {
  // A periodic CLUSTER SLOTS even when nothing went wrong: catches a resharding or a failover
  // before the first MOVED or lost connection says so.
  std::chrono::milliseconds refresh_interval{60000};
  // Refreshes triggered by errors are at most this often: a burst of MOVED during a resharding
  // costs one CLUSTER SLOTS, not one per reply.
  std::chrono::milliseconds min_refresh_gap{100};
  // Rounds of resending per batch (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, NOSCRIPT, a lost node);
  // ops still redirected after that fail (unavailable).
  int max_rounds = 5;
  // Before resending after TRYAGAIN or CLUSTERDOWN: doubles from min to max, within the budget.
  std::chrono::milliseconds retry_backoff_min{10};
  std::chrono::milliseconds retry_backoff_max{200};
};

class ClusterItemCache final : public ItemCacheClient {
 public:
  // `seed` is any node (or a configuration endpoint): its TLS, AUTH, timeouts and hooks are used
  // for every node, with the node's host and port. Checks the options; does not connect: the
  // first call reads the topology, so a process starts while the cluster is down.
  static Expected<ClusterItemCache, Error> create(ConnectionOptions seed,
                                                  ItemCacheOptions options = {},
                                                  ClusterOptions cluster = {});
  ~ClusterItemCache() override;
  ClusterItemCache(ClusterItemCache&& other) noexcept;
  ClusterItemCache& operator=(ClusterItemCache&& other) noexcept;
  ClusterItemCache(const ClusterItemCache&) = delete;
  ClusterItemCache& operator=(const ClusterItemCache&) = delete;

  // The operations of ItemCache, with the same semantics.
  Expected<GetResult, Error> get(std::string_view id, Deadline budget = Deadline::never());
  Expected<WriteResult, Error> apply_if_newer(std::string_view id, Version version,
                                              std::string_view body,
                                              Deadline budget = Deadline::never());
  Expected<WriteResult, Error> tombstone_if_newer(std::string_view id, Version tombstone_version,
                                                  Deadline budget = Deadline::never());
  Expected<WriteResult, Error> fill_negative(std::string_view id,
                                             Deadline budget = Deadline::never());
  Expected<WriteResult, Error> fence_if_newer(std::string_view id, Version version,
                                              Deadline budget = Deadline::never());
  Expected<WriteResult, Error> invalidate_above(std::string_view id, Version floor,
                                                Deadline budget = Deadline::never());

  // results[i] answers ops[i]. An invalid op fails alone (invalid_argument) and is not sent; a
  // failed exchange with a node fails the ops sent to it (after a refresh shows no other owner),
  // and a node that stalls fails its own ops at the deadline while the others' are answered.
  BatchResults execute(std::span<const CacheOp> ops, Deadline budget = Deadline::never());
  void execute(std::span<const CacheOp> ops, BatchResults& results,
               Deadline budget = Deadline::never()) override;

  // The first round sent ahead: each op routed to its primary and written as it comes (every
  // 16 KB of a node's commands), every node's pipeline read at the finish; later rounds
  // (MOVED, ASK, NOSCRIPT, a lost node) as execute() runs them.
  void start_batch(Deadline budget) override;
  void send_ahead(std::span<const CacheOp> ops) override;
  void finish_batch(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) override;
  void abandon_batch() override;

  // RANDOMKEY on every primary of the current map, evenly; a primary that fails fails the call.
  Expected<std::vector<std::string>, Error> random_keys(std::size_t count,
                                                        Deadline budget) override;

  // Reads the slot map now.
  Expected<void, Error> refresh_topology(Deadline budget = Deadline::never());
  // The primary that serves `slot` in the current map (nullopt before the first refresh).
  [[nodiscard]] std::optional<NodeAddress> primary_of(std::uint16_t slot) const;
  // Counters, for tests and logs: CLUSTER SLOTS reads, MOVED and ASK replies followed.
  struct Stats {
    std::uint64_t refreshes = 0;
    std::uint64_t moved = 0;
    std::uint64_t asked = 0;
  };
  [[nodiscard]] Stats stats() const;

  void end_backoff() override;
  [[nodiscard]] const ItemCacheOptions& options() const override;

 private:
  struct Impl;
  explicit ClusterItemCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamcache::cache
