#include "redis_cluster.h"

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "cache_fixtures.h"
#include "support/process.h"
#include "support/wait.h"

namespace streamcache::cache::testing {

using streamcache::testing::free_port;
using streamcache::testing::run_shell;
using streamcache::testing::ShellResult;
using streamcache::testing::wait_until;
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) {
    if (!part.empty() && part.back() == '\r') part.pop_back();
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

bool has_flag(const std::string& flags, std::string_view flag) {
  for (const auto& f : split(flags, ',')) {
    if (f == flag) return true;
  }
  return false;
}

// "field:value" of an INFO reply; empty when absent.
std::string info_field(const std::string& info, const std::string& field) {
  for (const auto& line : split(info, '\n')) {
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return {};
}

// One line of CLUSTER NODES: id, address, flags, primary id, ..., slots.
struct NodeLine {
  std::string id;
  int port = 0;
  std::string flags;
  std::string primary_id;
  std::vector<std::string> slots;  // "0-5460", "7", without "[slot->-id]" migration entries
};

std::vector<NodeLine> parse_cluster_nodes(const std::string& text) {
  std::vector<NodeLine> out;
  for (const auto& line : split(text, '\n')) {
    const auto fields = split(line, ' ');
    if (fields.size() < 8) continue;
    NodeLine node;
    node.id = fields[0];
    const auto colon = fields[1].rfind(':', fields[1].find('@'));
    if (colon == std::string::npos) continue;
    node.port = std::atoi(fields[1].c_str() + colon + 1);
    node.flags = fields[2];
    node.primary_id = fields[3] == "-" ? "" : fields[3];
    for (std::size_t i = 8; i < fields.size(); ++i) {
      if (fields[i].front() != '[') node.slots.push_back(fields[i]);
    }
    std::sort(node.slots.begin(), node.slots.end());
    out.push_back(std::move(node));
  }
  return out;
}

}  // namespace

RedisCluster::RedisCluster() : RedisCluster(Options{}) {}

RedisCluster::RedisCluster(Options options) : options_(options) {
  const int count = options_.primaries * (1 + options_.replicas_per_primary);
  for (int i = 0; i < count; ++i) {
    RedisServer::Options node;
    // The node settings of ./dev run --cache cluster; an explicit bus port, as the default
    // (port + 10000) may be taken or out of range.
    node.extra_args = {"--include",
                       STREAMCACHE_REDIS_CLUSTER_NODE_CONF,
                       "--cluster-port",
                       std::to_string(free_port()),
                       "--cluster-node-timeout",
                       std::to_string(options_.node_timeout.count())};
    nodes_.push_back(std::make_unique<RedisServer>(std::move(node)));
    auto admin = RedisConnection::create(local_options(nodes_.back()->port()));
    if (!admin) throw std::runtime_error(describe(admin.error()));
    admin_.push_back(std::move(*admin));
  }
  std::string command = "redis-cli --cluster create";
  for (const auto& node : nodes_)
    command += " 127.0.0.1:" + std::to_string(node->port());
  command += " --cluster-replicas " + std::to_string(options_.replicas_per_primary);
  command += " --cluster-yes";
  const ShellResult created = run_shell(command);
  if (created.status != 0 || created.output.find("All 16384 slots covered") == std::string::npos) {
    std::cerr << created.output << "\n";
    throw std::runtime_error("redis-cli --cluster create failed (output above)");
  }
  wait_ready();
}

RedisCluster::~RedisCluster() = default;

std::string RedisCluster::seed_url() {
  return nodes_.at(running_node())->url();
}

std::size_t RedisCluster::running_node() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->running()) return i;
  }
  throw std::runtime_error("no cluster node is running");
}

std::size_t RedisCluster::index_of_port(int port) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->port() == port) return i;
  }
  throw std::runtime_error("no cluster node on port " + std::to_string(port));
}

bool RedisCluster::ready(std::string& why) {
  std::set<std::string> views;  // each running node's view of who serves which slots
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    RedisServer* node = nodes_[i].get();
    if (!node->running()) continue;
    const std::string info = command(i, {"CLUSTER", "INFO"}).str;
    if (info_field(info, "cluster_state") != "ok" ||
        info_field(info, "cluster_slots_assigned") != "16384") {
      why = "node " + std::to_string(node->port()) + ": " + info.substr(0, 200);
      return false;
    }
    const std::string replication = command(i, {"INFO", "replication"}).str;
    const std::string role = info_field(replication, "role");
    std::set<std::string> owners;  // sorted: nodes list their peers in any order
    for (const auto& line : parse_cluster_nodes(command(i, {"CLUSTER", "NODES"}).str)) {
      if (has_flag(line.flags, "myself") && (role == "master") != !line.slots.empty()) {
        why = "node " + std::to_string(node->port()) + " is a " + role + " and serves " +
              std::to_string(line.slots.size()) + " slot ranges";
        return false;
      }
      if (has_flag(line.flags, "master") && !line.slots.empty() && !has_flag(line.flags, "fail")) {
        std::string owner = line.id;
        for (const auto& slots : line.slots)
          owner += " " + slots;
        owners.insert(std::move(owner));
      }
    }
    std::string view;
    for (const auto& owner : owners)
      view += owner + ";";
    views.insert(std::move(view));
    if (role == "slave" && info_field(replication, "master_link_status") != "up") {
      why = "replica " + std::to_string(node->port()) + " is not in sync with its primary";
      return false;
    }
  }
  if (views.size() != 1) {
    why = "the nodes disagree on the slot owners";
    return false;
  }
  return true;
}

void RedisCluster::wait_ready(std::chrono::milliseconds timeout) {
  std::string why;
  auto check = [&] {
    try {
      return ready(why);
    } catch (const std::exception& e) {  // a node still starting or stopping
      why = e.what();
      return false;
    }
  };
  if (!wait_until(check, timeout, std::chrono::milliseconds(20))) {
    throw std::runtime_error("the Redis cluster did not become ready: " + why);
  }
}

void RedisCluster::heal() {
  for (auto& node : nodes_) {
    node->resume();
    if (!node->running()) node->restart();
  }
  wait_ready();
  flush_all();
}

void RedisCluster::flush_all() {
  for (std::size_t i : primaries()) {
    const Reply reply = command(i, {"FLUSHALL"});
    if (reply.str != "OK") throw std::runtime_error("FLUSHALL on a cluster primary: " + reply.str);
  }
}

std::size_t RedisCluster::primary_of_slot(int slot) {
  const std::string text = command(running_node(), {"CLUSTER", "NODES"}).str;
  for (const auto& line : parse_cluster_nodes(text)) {
    if (!has_flag(line.flags, "master") || has_flag(line.flags, "fail")) continue;
    for (const auto& range : line.slots) {
      const auto dash = range.find('-');
      const int first = std::atoi(range.c_str());
      const int last = dash == std::string::npos ? first : std::atoi(range.c_str() + dash + 1);
      if (slot >= first && slot <= last) return index_of_port(line.port);
    }
  }
  throw std::runtime_error("no primary serves slot " + std::to_string(slot));
}

std::vector<std::size_t> RedisCluster::primaries() {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->running() && command(i, {"ROLE"}).elements.at(0).str == "master") {
      out.push_back(i);
    }
  }
  return out;
}

std::vector<std::size_t> RedisCluster::replicas_of(std::size_t primary) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i]->running()) continue;
    // A replica's ROLE: slave, primary ip, primary port, link state, offset.
    const Reply role = command(i, {"ROLE"});
    if (role.elements.at(0).str == "slave" && role.elements.at(2).integer == port(primary)) {
      out.push_back(i);
    }
  }
  return out;
}

std::string RedisCluster::id_of(std::size_t index) {
  return command(index, {"CLUSTER", "MYID"}).str;
}

Reply RedisCluster::command(std::size_t index, std::initializer_list<std::string_view> args) {
  RedisConnection& admin = admin_.at(index);
  admin.end_backoff();  // a restarted node is asked at once
  auto reply = admin.command(args, Replay::idempotent);
  if (!reply) {
    throw std::runtime_error("cluster node " + std::to_string(port(index)) + ": " +
                             describe(reply.error()));
  }
  return std::move(*reply);
}

Reply RedisCluster::command(std::size_t index, const std::vector<std::string>& args) {
  CommandBuffer buffer;
  buffer.begin(args.size());
  for (const auto& arg : args)
    buffer.arg(arg);
  std::vector<Reply> replies;
  RedisConnection& admin = admin_.at(index);
  admin.end_backoff();
  if (auto done = admin.pipeline(buffer, replies, Replay::idempotent); !done) {
    throw std::runtime_error("cluster node " + std::to_string(port(index)) + ": " +
                             describe(done.error()));
  }
  return std::move(replies.front());
}

void RedisCluster::migrate_slot(std::uint16_t slot, std::size_t to, std::size_t keys_per_step,
                                const std::function<void()>& between_steps) {
  const std::size_t from = primary_of_slot(slot);
  if (from == to) return;
  const std::string slot_text = std::to_string(slot);
  auto expect_ok = [](const Reply& reply, const std::string& what) {
    if (reply.is_error()) throw std::runtime_error(what + ": " + reply.str);
  };
  expect_ok(command(to, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", id_of(from)}),
            "SETSLOT IMPORTING");
  expect_ok(command(from, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", id_of(to)}),
            "SETSLOT MIGRATING");
  while (true) {
    const Reply keys =
        command(from, {"CLUSTER", "GETKEYSINSLOT", slot_text, std::to_string(keys_per_step)});
    if (keys.elements.empty()) break;
    std::vector<std::string> migrate = {"MIGRATE", "127.0.0.1", std::to_string(port(to)), "", "0",
                                        "5000",    "KEYS"};
    for (const Reply& key : keys.elements)
      migrate.push_back(key.str);
    expect_ok(command(from, migrate), "MIGRATE");
    if (between_steps) between_steps();
  }
  // The new owner first, then the old one, then the rest (the order redis-cli uses).
  const std::string to_id = id_of(to);
  expect_ok(command(to, {"CLUSTER", "SETSLOT", slot_text, "NODE", to_id}), "SETSLOT NODE");
  expect_ok(command(from, {"CLUSTER", "SETSLOT", slot_text, "NODE", to_id}), "SETSLOT NODE");
  for (std::size_t i : primaries()) {
    if (i != to && i != from) {
      expect_ok(command(i, {"CLUSTER", "SETSLOT", slot_text, "NODE", to_id}), "SETSLOT NODE");
    }
  }
  wait_ready();
}

}  // namespace streamcache::cache::testing
