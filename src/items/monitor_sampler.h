// The monitor's CacheSampler over a Redis connection: RANDOMKEY draws ids, GET reads entries,
// each batch pipelined in one round trip. Tested against redis-server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cache/redis_connection.h"
#include "items/monitor.h"

namespace streamcache::items {

// The id of an item key ("item:{<id>}", '%', '{' and '}' %-escaped); nullopt for other keys.
std::optional<std::string> id_of_item_key(std::string_view key);

class RedisCacheSampler : public CacheSampler {
 public:
  explicit RedisCacheSampler(cache::RedisConnection& connection) : connection_(connection) {}

  // `count` RANDOMKEY commands in one round trip; keys that are not item keys and repeats are
  // dropped, so a run may check fewer than `count` entries.
  Expected<std::vector<std::string>, cache::Error> sample_ids(std::size_t count,
                                                              Deadline deadline) override;
  // One GET per id, in one round trip.
  Expected<std::vector<std::optional<CachedEntry>>, cache::Error> read(
      std::span<const std::string> ids, Deadline deadline) override;

 private:
  cache::RedisConnection& connection_;
  cache::CommandBuffer commands_;
  std::vector<cache::Reply> replies_;
};

}  // namespace streamcache::items
