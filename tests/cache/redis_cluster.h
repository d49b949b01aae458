// A real local Redis Cluster for integration tests: primaries and replicas started with
// `--cluster-enabled yes` on free loopback ports (each node its own directory, nodes.conf and bus
// port), joined by `redis-cli --cluster create`, ready when constructed (cluster_state:ok on every
// node, every replica in sync) and stopped when destroyed. Starting one takes seconds: share it
// per test suite and call heal() between tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/redis_connection.h"
#include "support/servers.h"

namespace streamcache::cache::testing {

using streamcache::testing::RedisServer;

class RedisCluster {
 public:
  struct Options {
    int primaries = 3;
    int replicas_per_primary = 1;
    // How long a silent node takes to be marked failed (and automatic failover to start).
    std::chrono::milliseconds node_timeout{3000};
  };

  RedisCluster();
  explicit RedisCluster(Options options);
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  [[nodiscard]] std::size_t size() const { return nodes_.size(); }
  [[nodiscard]] RedisServer& node(std::size_t index) { return *nodes_.at(index); }
  [[nodiscard]] int port(std::size_t index) const { return nodes_.at(index)->port(); }
  // redis://127.0.0.1:<port> of a node that is running (the first one): any node is a seed.
  [[nodiscard]] std::string seed_url();

  // Waits until every running node reports cluster_state:ok with every slot assigned, agrees on
  // the owner of every slot, is a primary exactly when it serves slots, and, when a replica, has
  // its link to its primary up.
  void wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // For the next test: restarts killed or paused nodes (they rejoin from their nodes.conf), waits
  // until ready and empties every primary.
  void heal();
  // FLUSHALL on every primary (replicas follow).
  void flush_all();

  // The index of the node that serves `slot` now (asked of a running node).
  [[nodiscard]] std::size_t primary_of_slot(int slot);
  // The indexes of the running primaries, and of the running replicas of `primary` (ROLE).
  [[nodiscard]] std::vector<std::size_t> primaries();
  [[nodiscard]] std::vector<std::size_t> replicas_of(std::size_t primary);
  // The node's cluster id (CLUSTER MYID).
  [[nodiscard]] std::string id_of(std::size_t index);
  // One command to one node over a kept connection (much faster than a redis-cli process);
  // throws when the node does not answer. Error replies are returned.
  Reply command(std::size_t index, std::initializer_list<std::string_view> args);
  Reply command(std::size_t index, const std::vector<std::string>& args);

  // Moves `slot` to the primary `to` live, the way redis-cli --cluster reshard does: IMPORTING on
  // `to`, MIGRATING on the owner, MIGRATE `keys_per_step` keys at a time (calling `between_steps`
  // after each step, while the slot is half moved), then SETSLOT NODE on every primary.
  void migrate_slot(std::uint16_t slot, std::size_t to, std::size_t keys_per_step = 10,
                    const std::function<void()>& between_steps = {});

 private:
  [[nodiscard]] std::size_t index_of_port(int port) const;
  [[nodiscard]] std::size_t running_node();
  [[nodiscard]] bool ready(std::string& why);

  Options options_;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<RedisConnection> admin_;  // one per node, for command()
};

}  // namespace streamcache::cache::testing
