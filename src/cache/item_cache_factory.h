// Picks the item cache for a URL: one node (ItemCache) or a Redis Cluster (ClusterItemCache),
// chosen by the user or detected from the server, so a user gives one URL either way.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "cache/cache_op.h"
#include "cache/cluster_item_cache.h"
#include "cache/error.h"
#include "cache/redis_connection.h"
#include "common/expected.h"

namespace streamcache::cache {

enum class ClusterMode : std::uint8_t {
  detect,  // ask the server at the first call (INFO cluster: cluster_enabled:1)
  on,      // Redis Cluster, ElastiCache cluster mode or ElastiCache Serverless
  off,     // one primary (a replication group with cluster mode disabled, a plain redis-server)
};

// "auto" (detect), "on" or "off": the values of REDIS_CLUSTER.
Expected<ClusterMode, Error> parse_cluster_mode(std::string_view text);

// Does not connect, in every mode: with `detect`, the first call asks the server (one INFO round
// trip, once per process; again at the next call while the server cannot be reached).
Expected<std::unique_ptr<ItemCacheClient>, Error> make_item_cache(ConnectionOptions connection,
                                                                  ItemCacheOptions options,
                                                                  ClusterMode mode,
                                                                  ClusterOptions cluster = {});

}  // namespace streamcache::cache
