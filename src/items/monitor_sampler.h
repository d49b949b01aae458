// The monitor's CacheSampler over the functions' item cache client (one node or a Redis Cluster):
// RANDOMKEY draws ids (on a cluster, from every primary), GET reads entries on their slots'
// primaries, each batch pipelined. Tested against redis-server and a local Redis Cluster.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_op.h"
#include "items/monitor.h"

namespace streamcache::items {

// The id of an item key ("item:{<id>}", '%', '{' and '}' %-escaped); nullopt for other keys.
std::optional<std::string> id_of_item_key(std::string_view key);

class RedisCacheSampler : public CacheSampler {
 public:
  explicit RedisCacheSampler(cache::ItemCacheClient& cache) : cache_(cache) {}

  // `count` RANDOMKEY draws (ItemCacheClient::random_keys); keys that are not item keys and
  // repeats are dropped, so a run may check fewer than `count` entries.
  Expected<std::vector<std::string>, cache::Error> sample_ids(std::size_t count,
                                                              Deadline deadline) override;
  // One GET per id, pipelined (one round trip per primary on a cluster).
  Expected<std::vector<std::optional<CachedEntry>>, cache::Error> read(
      std::span<const std::string> ids, Deadline deadline) override;

 private:
  cache::ItemCacheClient& cache_;
  std::vector<cache::CacheOp> ops_;
  cache::BatchResults results_;
};

}  // namespace streamcache::items
