// What a Redis Cluster says about itself, as pure functions over replies: the slot ranges of
// CLUSTER SLOTS and the redirections MOVED and ASK. No I/O; used by ClusterItemCache.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/error.h"
#include "cache/resp.h"
#include "common/expected.h"

namespace streamcache::cache {

struct NodeAddress {
  std::string host;  // as the cluster announces it: an IP or, with TLS or serverless, a DNS name
  std::uint16_t port = 0;

  friend bool operator==(const NodeAddress&, const NodeAddress&) = default;
  // "host:port" ("[::1]:6379" for IPv6), for messages.
  [[nodiscard]] std::string text() const;
};

// Slots first..last (inclusive) and the primary that serves them.
struct SlotRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  NodeAddress primary;
};

// CLUSTER SLOTS: [[first, last, [host, port, id, ...], replicas...], ...]. A host of "" or "?"
// (an endpoint the node does not know how to announce) means the node that was asked,
// `asked_host`. Replicas are ignored: reads stay on primaries.
Expected<std::vector<SlotRange>, Error> slot_ranges_from_cluster_slots(const Reply& reply,
                                                                       std::string_view asked_host);

struct Redirect {
  enum class Kind : std::uint8_t {
    moved,  // the slot lives elsewhere for good: update the map, send there
    ask,    // the slot is migrating and this key is already on `to`: ASKING there, once
  };
  Kind kind = Kind::moved;
  std::uint16_t slot = 0;
  NodeAddress to;
};

// "MOVED <slot> <host>:<port>" or "ASK ..."; an empty host means `asked_host`. nullopt for every
// other reply.
std::optional<Redirect> redirect_of(const Reply& reply, std::string_view asked_host);

}  // namespace streamcache::cache
