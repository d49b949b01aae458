#include "cache/cluster_item_cache.h"

#include <algorithm>
#include <limits>
#include <thread>

#include "cache/hash_slot.h"
#include "common/random.h"

namespace streamcache::cache {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kNoNode = std::numeric_limits<std::size_t>::max();
// Markers in a node's command list for the commands that answer no op.
constexpr std::size_t kAskingCommand = kNoNode - 1;
constexpr std::size_t kScriptLoad = kNoNode - 2;

Unexpected<Error> invalid(std::string message) {
  return unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

bool spent(Deadline budget) {
  return budget.cap(std::chrono::milliseconds(1)).count() <= 0;
}

// One primary (or the seed) and what a round sends to it.
struct Node {
  Node(NodeAddress a, RedisConnection c) : address(std::move(a)), connection(std::move(c)) {}
  NodeAddress address;
  RedisConnection connection;
  bool load_script = false;  // it answered NOSCRIPT: SCRIPT LOAD goes first in the next round
  bool failed = false;       // its exchange failed in this round
  CommandBuffer commands;
  std::vector<std::size_t> sent;  // the op index (or a marker) of each command
  std::vector<Reply> replies;
  std::size_t written_at = 0;  // commands' size at the last write ahead
};

// Where an op goes in the next round.
struct Target {
  std::size_t node = kNoNode;
  bool asking = false;  // after an ASK: ASKING first, and the map is not consulted
};

}  // namespace

struct ClusterItemCache::Impl {
  Impl(ConnectionOptions s, ItemCacheOptions o, ClusterOptions c)
      : seed(std::move(s)), options(o), cluster(c), random_state(random_seed()) {
    owner.assign(kSlotCount, kNoNode);
    single.reserve(1);
  }

  [[nodiscard]] Clock::time_point now() const { return seed.now ? seed.now() : Clock::now(); }

  // The node at `address`, connecting lazily with the seed's options.
  Expected<std::size_t, Error> node_for(const NodeAddress& address) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->address == address) return i;
    }
    ConnectionOptions node_options = seed;
    node_options.endpoint.host = address.host;
    node_options.endpoint.port = address.port;
    auto connection = RedisConnection::create(std::move(node_options));
    if (!connection) return unexpected(std::move(connection).error());
    nodes.push_back(std::make_unique<Node>(address, std::move(*connection)));
    return nodes.size() - 1;
  }

  Expected<void, Error> refresh(Deadline budget) {
    last_refresh = now();
    ++stats.refreshes;
    // The node that answered last, then the seed (a configuration endpoint finds live nodes),
    // then every known node; nodes that just failed are asked last.
    std::vector<std::size_t> order;
    auto seed_node = node_for({seed.endpoint.host, seed.endpoint.port});
    if (last_answered != kNoNode) order.push_back(last_answered);
    if (seed_node) order.push_back(*seed_node);
    for (std::size_t i = 0; i < nodes.size(); ++i)
      order.push_back(i);
    std::stable_partition(order.begin(), order.end(),
                          [&](std::size_t i) { return !nodes[i]->failed; });
    Error last_error =
        seed_node ? Error{ErrorCode::unavailable, "no cluster node answered"} : seed_node.error();
    std::vector<std::size_t> asked;
    for (std::size_t i : order) {
      if (std::find(asked.begin(), asked.end(), i) != asked.end()) continue;
      asked.push_back(i);
      if (spent(budget)) break;
      Node& node = *nodes[i];
      CommandBuffer command;
      command.add({"CLUSTER", "SLOTS"});
      std::vector<Reply> replies;
      if (auto done = node.connection.pipeline(command, replies, Replay::idempotent, budget);
          !done) {
        last_error = std::move(done).error();
        continue;
      }
      const Reply& reply = replies.front();
      if (reply.is_error() && reply.str.find("cluster support disabled") != std::string::npos) {
        return unexpected(
            Error{ErrorCode::reply, "redis " + node.address.text() +
                                        " is not in cluster mode: use it as a single node "
                                        "(REDIS_CLUSTER=off or auto)"});
      }
      auto ranges = slot_ranges_from_cluster_slots(reply, node.address.host);
      if (!ranges) {
        last_error = std::move(ranges).error();
        last_error.message = "redis " + node.address.text() + ": " + last_error.message;
        continue;
      }
      std::vector<std::size_t> fresh(kSlotCount, kNoNode);
      for (const SlotRange& range : *ranges) {
        auto primary = node_for(range.primary);
        if (!primary) return unexpected(std::move(primary).error());
        std::fill(fresh.begin() + range.first, fresh.begin() + range.last + 1, *primary);
      }
      owner = std::move(fresh);
      have_map = true;
      stale = false;
      last_answered = i;
      next_periodic = now() + cluster.refresh_interval;
      return {};
    }
    if (spent(budget)) {
      return unexpected(Error{ErrorCode::unavailable,
                              "reading the cluster's slot map: the caller's time budget is spent"});
    }
    last_error.message = "reading the cluster's slot map (CLUSTER SLOTS): " + last_error.message;
    return unexpected(std::move(last_error));
  }

  // A refresh when the map is missing, known stale (rate-limited) or due.
  void refresh_if_needed(Deadline budget, bool force) {
    const auto t = now();
    const bool due = !have_map || t >= next_periodic ||
                     ((stale || force) && t - last_refresh >= cluster.min_refresh_gap);
    if (due) (void)refresh(budget);  // on failure the old map is still the best guess
  }

  void execute(std::span<const CacheOp> ops, BatchResults& results, Deadline budget);
  Expected<std::vector<std::string>, Error> random_keys(std::size_t count, Deadline budget);
  // The first round sent ahead (ItemCacheClient::start_batch): each op routed to its node and
  // written as it comes, every node's pipeline open until finish_batch.
  void start_batch(Deadline budget);
  void send_ahead(std::span<const CacheOp> ops);
  void finish_batch(std::span<const CacheOp> ops, BatchResults& results, Deadline budget);
  void abandon_batch();
  // Checks ops[k] as op i of the batch: its key and slot, and a place in `pending`; else its
  // refusal in `refused`.
  void admit(std::size_t i, const CacheOp& op);
  // Appends pending op i to its node's commands for this round; false when no node serves it.
  bool route(std::size_t i, const CacheOp& op, BatchResults* results);
  // Rounds from `first` on (round `first` already split when `split_first` is false).
  void run_rounds(std::span<const CacheOp> ops, BatchResults& results, Deadline budget,
                  bool split_first);
  void run_round(std::span<const CacheOp> ops, BatchResults& results, Deadline budget, bool split);

  ConnectionOptions seed;
  ItemCacheOptions options;
  ClusterOptions cluster;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::size_t> owner;  // slot -> index in nodes
  bool have_map = false;
  bool stale = false;  // a MOVED, CLUSTERDOWN or lost node: read the map again
  Clock::time_point last_refresh{};
  Clock::time_point next_periodic{};
  std::size_t last_answered = kNoNode;
  Stats stats;
  std::uint64_t random_state;

  // Reused per batch so the hot path does not allocate for them.
  std::vector<std::string> keys;
  std::vector<std::uint16_t> slots;
  std::vector<Target> targets;
  std::vector<std::size_t> pending;                // ops to send in this round, in input order
  std::vector<std::size_t> next_pending;           // ops to send again
  std::vector<std::size_t> lost;                   // ops whose node failed in this round
  std::vector<std::size_t> used;                   // nodes of this round
  std::vector<RedisConnection::PipelineJob> jobs;  // their exchanges, in the order of used
  std::vector<std::pair<std::uint16_t, Target>> resent_slots;  // slots with an op sent again
  bool backoff = false;
  BatchResults single;
  // start_batch(): a batch is open, its ops so far, its budget, the ops refused on the way.
  bool ahead_open = false;
  std::size_t ahead_count = 0;
  Deadline ahead_budget = Deadline::never();
  std::vector<std::pair<std::size_t, Error>> refused;
};

void ClusterItemCache::Impl::admit(std::size_t i, const CacheOp& op) {
  if (keys.size() <= i) keys.resize(i + 1);
  if (slots.size() <= i) slots.resize(i + 1);
  if (targets.size() <= i) targets.resize(i + 1);
  targets[i] = Target{};
  if (auto valid = validate_op(op); !valid) {
    refused.emplace_back(i, std::move(valid).error());
    return;
  }
  keys[i].clear();
  append_item_key(keys[i], op.id);
  slots[i] = hash_slot(keys[i]);
  pending.push_back(i);
}

void ClusterItemCache::Impl::execute(std::span<const CacheOp> ops, BatchResults& results,
                                     Deadline budget) {
  abandon_batch();
  results.clear();
  results.resize(ops.size());
  pending.clear();
  refused.clear();
  for (std::size_t i = 0; i < ops.size(); ++i)
    admit(i, ops[i]);
  for (auto& [i, error] : refused)
    results[i] = unexpected(std::move(error));
  if (pending.empty()) return;

  for (auto& node : nodes)
    node->failed = false;
  if (!have_map) {
    if (auto refreshed = refresh(budget); !refreshed) {
      for (std::size_t i : pending)
        results[i] = unexpected(refreshed.error());
      return;
    }
  }
  refresh_if_needed(budget, false);
  run_rounds(ops, results, budget, true);
}

void ClusterItemCache::Impl::run_rounds(std::span<const CacheOp> ops, BatchResults& results,
                                        Deadline budget, bool split_first) {
  auto backoff_time = cluster.retry_backoff_min;
  for (int round = 0; round < cluster.max_rounds && !pending.empty(); ++round) {
    if (round > 0 && backoff) {
      // TRYAGAIN or CLUSTERDOWN: give the cluster a moment, never past the budget.
      const auto wait = budget.cap(backoff_time);
      if (wait.count() > 0) std::this_thread::sleep_for(wait);
      backoff_time = std::min(backoff_time * 2, cluster.retry_backoff_max);
    }
    if (spent(budget)) {
      if (round == 0 && !split_first) {  // a first round sent ahead: never finished
        for (std::size_t n : used)
          nodes[n]->connection.abandon_pipeline();
      }
      for (std::size_t i : pending) {
        results[i] = unexpected(
            Error{ErrorCode::unavailable, "redis cluster: the caller's time budget is spent"});
      }
      return;
    }
    run_round(ops, results, budget, round > 0 || split_first);
    pending.swap(next_pending);
  }
  // Still redirected after every round: the last reply says why; it is a transient state.
  for (std::size_t i : pending) {
    if (!results[i]) {
      results[i].error().code = ErrorCode::unavailable;
      results[i].error().message +=
          " (still redirected after " + std::to_string(cluster.max_rounds) + " rounds)";
    }
  }
}

void ClusterItemCache::Impl::start_batch(Deadline budget) {
  abandon_batch();
  for (auto& node : nodes)
    node->failed = false;
  if (!have_map && !refresh(budget)) return;  // finish_batch() runs execute(), which says why
  refresh_if_needed(budget, false);
  ahead_open = true;
  ahead_count = 0;
  ahead_budget = budget;
  pending.clear();
  refused.clear();
  used.clear();
}

void ClusterItemCache::Impl::send_ahead(std::span<const CacheOp> ops) {
  if (!ahead_open) return;
  for (const CacheOp& op : ops) {
    const std::size_t i = ahead_count++;
    const std::size_t admitted = pending.size();
    admit(i, op);
    if (pending.size() == admitted) continue;
    const std::size_t opened = used.size();
    if (!route(i, op, nullptr)) {
      pending.pop_back();
      continue;
    }
    if (used.size() > opened) {
      Node& node = *nodes[used.back()];
      node.connection.open_pipeline(node.commands, node.replies, ahead_budget);
      node.written_at = 0;
    }
  }
  // As the single-node client: a write per 16 KB of a node's commands.
  constexpr std::size_t kSendAheadBytes = 16 * 1024;
  for (std::size_t n : used) {
    Node& node = *nodes[n];
    if (node.commands.bytes().size() - node.written_at >= kSendAheadBytes) {
      node.connection.send_available();
      node.written_at = node.commands.bytes().size();
    }
  }
}

void ClusterItemCache::Impl::finish_batch(std::span<const CacheOp> ops, BatchResults& results,
                                          Deadline budget) {
  if (!ahead_open || ops.size() < ahead_count) return execute(ops, results, budget);
  ahead_open = false;
  results.clear();
  results.resize(ops.size());
  for (std::size_t i = ahead_count; i < ops.size(); ++i) {
    const std::size_t admitted = pending.size();
    admit(i, ops[i]);
    if (pending.size() > admitted && !route(i, ops[i], &results)) pending.pop_back();
  }
  for (auto& [i, error] : refused)
    results[i] = unexpected(std::move(error));
  refused.clear();
  run_rounds(ops, results, ahead_budget, false);
}

void ClusterItemCache::Impl::abandon_batch() {
  if (!std::exchange(ahead_open, false)) return;
  for (std::size_t n : used)
    nodes[n]->connection.abandon_pipeline();
}

Expected<std::vector<std::string>, Error> ClusterItemCache::Impl::random_keys(std::size_t count,
                                                                              Deadline budget) {
  std::vector<std::string> drawn;
  if (count == 0) return drawn;
  abandon_batch();
  for (auto& node : nodes)
    node->failed = false;
  if (!have_map) {
    if (auto refreshed = refresh(budget); !refreshed) return unexpected(refreshed.error());
  }
  refresh_if_needed(budget, false);
  // RANDOMKEY draws from the node it is sent to: every primary, in slot order.
  std::vector<std::size_t> primaries;
  for (std::size_t n : owner) {
    if (n != kNoNode && std::find(primaries.begin(), primaries.end(), n) == primaries.end()) {
      primaries.push_back(n);
    }
  }
  if (primaries.empty()) {
    stale = true;
    return unexpected(Error{ErrorCode::unavailable, "redis cluster: no primary serves any slot"});
  }
  // Evenly, not by key count: every primary is checked in every run that draws enough.
  const std::size_t each = count / primaries.size();
  const std::size_t extra = count % primaries.size();
  for (std::size_t k = 0; k < primaries.size(); ++k) {
    const std::size_t draws = each + (k < extra ? 1 : 0);
    if (draws == 0) continue;
    Node& node = *nodes[primaries[k]];
    node.commands.clear();
    for (std::size_t i = 0; i < draws; ++i)
      node.commands.add({"RANDOMKEY"});
    auto done = node.connection.pipeline(node.commands, node.replies, Replay::idempotent, budget);
    if (done) done = append_random_keys(node.replies, drawn);
    if (!done) {
      node.failed = true;
      stale = true;  // a failover may have replaced it: the next call reads the map first
      Error error = std::move(done).error();
      error.message = "redis " + node.address.text() + ": " + error.message;
      return unexpected(std::move(error));
    }
  }
  return drawn;
}

bool ClusterItemCache::Impl::route(std::size_t i, const CacheOp& op, BatchResults* results) {
  Target& target = targets[i];
  if (!target.asking) target.node = owner[slots[i]];
  if (target.node == kNoNode) {
    Error error{ErrorCode::unavailable, "redis cluster: no node serves slot " +
                                            std::to_string(slots[i]) + " (CLUSTERDOWN?)"};
    if (results != nullptr) {
      (*results)[i] = unexpected(std::move(error));
    } else {
      refused.emplace_back(i, std::move(error));
    }
    stale = true;
    return false;
  }
  Node& node = *nodes[target.node];
  if (std::find(used.begin(), used.end(), target.node) == used.end()) {
    used.push_back(target.node);
    node.commands.clear();
    node.sent.clear();
    if (node.load_script) {
      node.commands.add({"SCRIPT", "LOAD", kSetIfNewerScript});
      node.sent.push_back(kScriptLoad);
    }
  }
  if (target.asking) {
    node.commands.add({"ASKING"});
    node.sent.push_back(kAskingCommand);
  }
  append_op_command(node.commands, op, keys[i], options, splitmix64(random_state));
  node.sent.push_back(i);
  return true;
}

void ClusterItemCache::Impl::run_round(std::span<const CacheOp> ops, BatchResults& results,
                                       Deadline budget, bool split) {
  next_pending.clear();
  lost.clear();
  resent_slots.clear();
  backoff = false;
  bool refresh_now = false;

  // Split by node, in input order within each node (unless sent ahead: split already).
  if (split) {
    used.clear();
    for (std::size_t i : pending)
      (void)route(i, ops[i], &results);
  }

  // One pipelined round trip per node, every node at once; pipelines open since start_batch()
  // are finished.
  jobs.clear();
  for (std::size_t n : used) {
    Node& node = *nodes[n];
    jobs.push_back({&node.connection, &node.commands, &node.replies, {}});
  }
  RedisConnection::finish_each(jobs, Replay::idempotent, budget);
  for (std::size_t j = 0; j < used.size(); ++j) {
    if (jobs[j].result) continue;
    Node& node = *nodes[used[j]];
    node.failed = true;
    refresh_now = true;
    for (std::size_t i : node.sent) {
      if (i >= kScriptLoad) continue;
      results[i] = unexpected(jobs[j].result.error());
      lost.push_back(i);
    }
  }

  auto resend = [&](std::size_t i, Target target, Error why) {
    results[i] = unexpected(std::move(why));
    targets[i] = target;
    next_pending.push_back(i);
    resent_slots.emplace_back(slots[i], target);
  };
  for (std::size_t n : used) {
    Node& node = *nodes[n];
    if (node.failed) continue;
    std::optional<Error> script_error;
    for (std::size_t k = 0; k < node.sent.size(); ++k) {
      const std::size_t i = node.sent[k];
      Reply& reply = node.replies[k];
      if (i == kAskingCommand) continue;  // its command's reply tells
      if (i == kScriptLoad) {
        if (auto loaded = check_script_loaded(reply); loaded) {
          node.load_script = false;
        } else {
          script_error = loaded.error();
        }
        continue;
      }
      // A read after an op of its slot that is sent again must see that op: it goes again too.
      if (ops[i].kind == OpKind::get) {
        const auto earlier = std::find_if(resent_slots.begin(), resent_slots.end(),
                                          [&](const auto& s) { return s.first == slots[i]; });
        if (earlier != resent_slots.end()) {
          resend(i, earlier->second, Error{ErrorCode::unavailable, "resent after its slot's op"});
          continue;
        }
      }
      const std::string_view prefix = reply.error_prefix();
      if (auto redirect = redirect_of(reply, node.address.host)) {
        auto to = node_for(redirect->to);
        if (!to) {
          results[i] = unexpected(std::move(to).error());
          continue;
        }
        if (redirect->kind == Redirect::Kind::moved) {
          ++stats.moved;
          owner[redirect->slot] = *to;  // at once; the whole map at the next refresh
          stale = true;
          resend(i, Target{*to, false}, error_from_reply(reply));
        } else {
          ++stats.asked;
          resend(i, Target{*to, true}, error_from_reply(reply));
        }
      } else if (prefix == "NOSCRIPT") {
        // The node lost the script (SCRIPT FLUSH, restart, failover): load it and send again.
        node.load_script = true;
        Error why = script_error ? *script_error : error_from_reply(reply);
        resend(i, targets[i], std::move(why));
      } else if (prefix == "TRYAGAIN" || prefix == "CLUSTERDOWN") {
        // A slot mid-migration or a cluster without quorum: wait a little, then again.
        backoff = true;
        if (prefix == "CLUSTERDOWN") stale = true;
        resend(i, Target{targets[i].node, targets[i].asking}, error_from_reply(reply));
      } else {
        // A primary demoted by a failover answers MOVED; READONLY only from a misrouted replica.
        if (prefix == "READONLY") stale = true;
        results[i] = op_result_from_reply(ops[i].kind, std::move(reply));
      }
    }
  }

  // A lost node may have been replaced by a promoted replica: ask the map, resend what moved.
  if (refresh_now || stale) refresh_if_needed(budget, refresh_now);
  for (std::size_t i : lost) {
    const std::size_t now_owner = owner[slots[i]];
    if (now_owner != kNoNode && now_owner != targets[i].node && !nodes[now_owner]->failed) {
      targets[i] = Target{now_owner, false};
      next_pending.push_back(i);
    }
  }
  std::sort(next_pending.begin(), next_pending.end());  // input order: reads after their writes
}

ClusterItemCache::ClusterItemCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClusterItemCache::~ClusterItemCache() = default;
ClusterItemCache::ClusterItemCache(ClusterItemCache&& other) noexcept = default;
ClusterItemCache& ClusterItemCache::operator=(ClusterItemCache&& other) noexcept = default;

Expected<ClusterItemCache, Error> ClusterItemCache::create(ConnectionOptions seed,
                                                           ItemCacheOptions options,
                                                           ClusterOptions cluster) {
  if (auto valid = validate_item_cache_options(options); !valid) {
    return unexpected(std::move(valid).error());
  }
  if (seed.endpoint.db != 0) {
    return invalid("Redis Cluster has only database 0: remove /" +
                   std::to_string(seed.endpoint.db) + " from the URL");
  }
  if (cluster.max_rounds < 1 || cluster.refresh_interval.count() <= 0 ||
      cluster.min_refresh_gap.count() < 0 || cluster.retry_backoff_min.count() <= 0 ||
      cluster.retry_backoff_max < cluster.retry_backoff_min) {
    return invalid(
        "cluster options: need max_rounds >= 1, refresh_interval > 0, min_refresh_gap >= 0 and "
        "0 < retry_backoff_min <= retry_backoff_max");
  }
  // Loaded on every new connection, in the same round trip as AUTH: EVALSHA rarely meets NOSCRIPT.
  seed.init_commands.push_back({"SCRIPT", "LOAD", std::string(kSetIfNewerScript)});
  // Checks the connection options (and the TLS files) once, here, rather than at the first call.
  if (auto checked = RedisConnection::create(seed); !checked) {
    return unexpected(std::move(checked).error());
  }
  return ClusterItemCache(std::make_unique<Impl>(std::move(seed), options, cluster));
}

void ClusterItemCache::execute(std::span<const CacheOp> ops, BatchResults& results,
                               Deadline budget) {
  impl_->execute(ops, results, budget);
}

void ClusterItemCache::start_batch(Deadline budget) {
  impl_->start_batch(budget);
}
void ClusterItemCache::send_ahead(std::span<const CacheOp> ops) {
  impl_->send_ahead(ops);
}
void ClusterItemCache::finish_batch(std::span<const CacheOp> ops, BatchResults& results,
                                    Deadline budget) {
  impl_->finish_batch(ops, results, budget);
}
void ClusterItemCache::abandon_batch() {
  impl_->abandon_batch();
}

BatchResults ClusterItemCache::execute(std::span<const CacheOp> ops, Deadline budget) {
  BatchResults results;
  impl_->execute(ops, results, budget);
  return results;
}

namespace {

Expected<WriteResult, Error> write_of(Expected<OpResult, Error>&& result) {
  if (!result) return unexpected(std::move(result).error());
  return result->write;
}

}  // namespace

Expected<GetResult, Error> ClusterItemCache::get(std::string_view id, Deadline budget) {
  const CacheOp op = CacheOp::get(id);
  impl_->execute(std::span(&op, 1), impl_->single, budget);
  if (!impl_->single.front()) return unexpected(std::move(impl_->single.front()).error());
  return std::move(impl_->single.front()->read);
}

Expected<WriteResult, Error> ClusterItemCache::apply_if_newer(std::string_view id, Version version,
                                                              std::string_view body,
                                                              Deadline budget) {
  const CacheOp op = CacheOp::apply_if_newer(id, version, body);
  impl_->execute(std::span(&op, 1), impl_->single, budget);
  return write_of(std::move(impl_->single.front()));
}

Expected<WriteResult, Error> ClusterItemCache::tombstone_if_newer(std::string_view id,
                                                                  Version tombstone_version,
                                                                  Deadline budget) {
  const CacheOp op = CacheOp::tombstone_if_newer(id, tombstone_version);
  impl_->execute(std::span(&op, 1), impl_->single, budget);
  return write_of(std::move(impl_->single.front()));
}

Expected<WriteResult, Error> ClusterItemCache::fill_negative(std::string_view id, Deadline budget) {
  const CacheOp op = CacheOp::fill_negative(id);
  impl_->execute(std::span(&op, 1), impl_->single, budget);
  return write_of(std::move(impl_->single.front()));
}

Expected<WriteResult, Error> ClusterItemCache::fence_if_newer(std::string_view id, Version version,
                                                              Deadline budget) {
  const CacheOp op = CacheOp::fence_if_newer(id, version);
  impl_->execute(std::span(&op, 1), impl_->single, budget);
  return write_of(std::move(impl_->single.front()));
}

Expected<WriteResult, Error> ClusterItemCache::invalidate_above(std::string_view id, Version floor,
                                                                Deadline budget) {
  const CacheOp op = CacheOp::invalidate_above(id, floor);
  impl_->execute(std::span(&op, 1), impl_->single, budget);
  return write_of(std::move(impl_->single.front()));
}

Expected<std::vector<std::string>, Error> ClusterItemCache::random_keys(std::size_t count,
                                                                        Deadline budget) {
  return impl_->random_keys(count, budget);
}

Expected<void, Error> ClusterItemCache::refresh_topology(Deadline budget) {
  return impl_->refresh(budget);
}

std::optional<NodeAddress> ClusterItemCache::primary_of(std::uint16_t slot) const {
  if (slot >= kSlotCount || impl_->owner[slot] == kNoNode) return std::nullopt;
  return impl_->nodes[impl_->owner[slot]]->address;
}

ClusterItemCache::Stats ClusterItemCache::stats() const {
  return impl_->stats;
}

void ClusterItemCache::end_backoff() {
  for (auto& node : impl_->nodes)
    node->connection.end_backoff();
}

const ItemCacheOptions& ClusterItemCache::options() const {
  return impl_->options;
}

}  // namespace streamcache::cache
