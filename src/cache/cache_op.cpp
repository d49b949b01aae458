#include "cache/cache_op.h"

namespace streamcache::cache {
namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

}  // namespace

Expected<void, Error> validate_item_cache_options(const ItemCacheOptions& options) {
  constexpr std::chrono::milliseconds kMinTtl{1};
  if (options.item_ttl < kMinTtl || options.tombstone_ttl < kMinTtl ||
      options.negative_ttl < kMinTtl) {
    return invalid("item cache options: every TTL must be at least 1 ms");
  }
  if (!(options.ttl_jitter >= 0.0 && options.ttl_jitter <= 0.5)) {
    return invalid("item cache options: ttl_jitter must be in [0, 0.5]");
  }
  return {};
}

Expected<void, Error> validate_op(const CacheOp& op) {
  if (auto valid = validate_id(op.id); !valid) return valid;
  if (op.kind != OpKind::get) return validate_version(op.version);
  return {};
}

void append_op_command(CommandBuffer& commands, const CacheOp& op, std::string_view key,
                       const ItemCacheOptions& options, std::uint64_t random) {
  if (op.kind == OpKind::get) {
    commands.begin(2);
    commands.arg("GET");
    commands.arg(key);
    return;
  }
  EntryKind kind = EntryKind::item;
  std::chrono::milliseconds ttl = options.item_ttl;
  std::string_view body = op.body;
  if (op.kind == OpKind::tombstone) {
    kind = EntryKind::tombstone;
    ttl = options.tombstone_ttl;
    body = {};
  } else if (op.kind == OpKind::negative) {
    kind = EntryKind::negative;
    ttl = options.negative_ttl;
    body = {};
  } else if (op.kind == OpKind::fence || op.kind == OpKind::invalidate) {
    // Outlives every fill that read the table before the change, like a tombstone.
    kind = EntryKind::fence;
    ttl = options.tombstone_ttl;
    body = {};
  }
  const auto header = encode_header(kind, op.kind == OpKind::negative ? 0 : op.version);
  const bool above = op.kind == OpKind::invalidate;
  commands.begin(above ? 7 : 6);
  commands.arg("EVALSHA");
  commands.arg(std::string_view(set_if_newer_sha()));
  commands.arg("1");
  commands.arg(key);
  commands.arg({std::string_view(header.data(), header.size()), body});
  commands.arg(std::int64_t{jittered_ttl(ttl, options.ttl_jitter, random).count()});
  if (above) commands.arg("above");
}

Expected<OpResult, Error> op_result_from_reply(OpKind kind, Reply&& reply) {
  OpResult result;
  if (kind == OpKind::get) {
    auto read = get_result_from_reply(std::move(reply));
    if (!read) return unexpected(std::move(read).error());
    result.read = std::move(*read);
    return result;
  }
  auto write = write_result_from_reply(reply);
  if (!write) return unexpected(std::move(write).error());
  result.write = *write;
  return result;
}

Expected<void, Error> append_random_keys(std::vector<Reply>& replies,
                                         std::vector<std::string>& keys) {
  for (Reply& reply : replies) {
    if (reply.is_error()) return unexpected(error_from_reply(reply));
    if (reply.type == Reply::Type::nil) continue;
    if (reply.type != Reply::Type::string) {
      return unexpected(Error{ErrorCode::protocol, "RANDOMKEY returned neither a key nor nil"});
    }
    keys.push_back(std::move(reply.str));
  }
  return {};
}

Expected<void, Error> check_script_loaded(const Reply& reply) {
  if (reply.is_error()) return unexpected(error_from_reply(reply));
  if (reply.str != set_if_newer_sha()) {
    return unexpected(Error{ErrorCode::protocol, "SCRIPT LOAD returned '" + reply.str +
                                                     "', expected " + set_if_newer_sha()});
  }
  return {};
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace streamcache::cache
