#include "cache/cluster_topology.h"

#include <charconv>

#include "cache/hash_slot.h"
#include "cache/item_protocol.h"

namespace streamcache::cache {
namespace {

Unexpected<Error> malformed(std::string what) {
  return unexpected(Error{ErrorCode::protocol, "CLUSTER SLOTS reply: " + std::move(what)});
}

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string host_or(std::string_view announced, std::string_view asked_host) {
  return announced.empty() || announced == "?" ? std::string(asked_host) : std::string(announced);
}

}  // namespace

std::string NodeAddress::text() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Expected<std::vector<SlotRange>, Error> slot_ranges_from_cluster_slots(
    const Reply& reply, std::string_view asked_host) {
  if (reply.is_error()) return unexpected(error_from_reply(reply));
  if (reply.type != Reply::Type::array) return malformed("not an array");
  std::vector<SlotRange> ranges;
  ranges.reserve(reply.elements.size());
  for (const Reply& entry : reply.elements) {
    if (entry.type != Reply::Type::array || entry.elements.size() < 3) {
      return malformed("an entry is not [first, last, primary, ...]");
    }
    const Reply& first = entry.elements[0];
    const Reply& last = entry.elements[1];
    const Reply& node = entry.elements[2];
    if (first.type != Reply::Type::integer || last.type != Reply::Type::integer ||
        first.integer < 0 || last.integer < first.integer || last.integer >= kSlotCount) {
      return malformed("a slot range is not within 0-16383");
    }
    if (node.type != Reply::Type::array || node.elements.size() < 2 ||
        node.elements[0].type != Reply::Type::string ||
        node.elements[1].type != Reply::Type::integer || node.elements[1].integer <= 0 ||
        node.elements[1].integer > 65535) {
      return malformed("a primary is not [host, port, ...]");
    }
    ranges.push_back({static_cast<std::uint16_t>(first.integer),
                      static_cast<std::uint16_t>(last.integer),
                      {host_or(node.elements[0].str, asked_host),
                       static_cast<std::uint16_t>(node.elements[1].integer)}});
  }
  return ranges;
}

std::optional<Redirect> redirect_of(const Reply& reply, std::string_view asked_host) {
  if (!reply.is_error()) return std::nullopt;
  const std::string_view prefix = reply.error_prefix();
  Redirect redirect;
  if (prefix == "MOVED") {
    redirect.kind = Redirect::Kind::moved;
  } else if (prefix == "ASK") {
    redirect.kind = Redirect::Kind::ask;
  } else {
    return std::nullopt;
  }
  // "<KIND> <slot> <host>:<port>"; the host may itself hold ':' (IPv6), the port follows the last.
  std::string_view rest = std::string_view(reply.str).substr(prefix.size());
  if (rest.empty() || rest.front() != ' ') return std::nullopt;
  rest.remove_prefix(1);
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view address = rest.substr(space + 1);
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!parse_int(rest.substr(0, space), redirect.slot) || redirect.slot >= kSlotCount ||
      !parse_int(address.substr(colon + 1), redirect.to.port) || redirect.to.port == 0) {
    return std::nullopt;
  }
  redirect.to.host = host_or(address.substr(0, colon), asked_host);
  return redirect;
}

}  // namespace streamcache::cache
