#include "cache/item_cache.h"

#include "common/random.h"

namespace streamcache::cache {
namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

bool is_noscript(const Reply& reply) {
  return reply.error_prefix() == "NOSCRIPT";
}

Expected<OpResult, Error> result_of(OpKind kind, Reply&& reply) {
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

}  // namespace

Expected<ItemCache, Error> ItemCache::create(ConnectionOptions connection,
                                             ItemCacheOptions options) {
  constexpr std::chrono::milliseconds kMinTtl{1};
  if (options.item_ttl < kMinTtl || options.tombstone_ttl < kMinTtl ||
      options.negative_ttl < kMinTtl) {
    return invalid("item cache options: every TTL must be at least 1 ms");
  }
  if (!(options.ttl_jitter >= 0.0 && options.ttl_jitter <= 0.5)) {
    return invalid("item cache options: ttl_jitter must be in [0, 0.5]");
  }
  // Loaded on every new connection, in the same round trip as AUTH: EVALSHA rarely meets NOSCRIPT.
  connection.init_commands.push_back({"SCRIPT", "LOAD", std::string(kSetIfNewerScript)});
  auto redis = RedisConnection::create(std::move(connection));
  if (!redis) return unexpected(std::move(redis).error());
  return ItemCache(std::move(*redis), options);
}

ItemCache::ItemCache(RedisConnection connection, ItemCacheOptions options)
    : connection_(std::move(connection)), options_(options), random_state_(random_seed()) {
  single_.reserve(1);
}

std::uint64_t ItemCache::next_random() {
  std::uint64_t z = (random_state_ += 0x9e3779b97f4a7c15ULL);  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Expected<void, Error> ItemCache::append(const CacheOp& op) {
  if (auto valid = validate_id(op.id); !valid) return valid;
  key_.clear();
  append_item_key(key_, op.id);
  if (op.kind == OpKind::get) {
    commands_.begin(2);
    commands_.arg("GET");
    commands_.arg(std::string_view(key_));
    return {};
  }
  if (auto valid = validate_version(op.version); !valid) return valid;
  EntryKind kind = EntryKind::item;
  std::chrono::milliseconds ttl = options_.item_ttl;
  std::string_view body = op.body;
  if (op.kind == OpKind::tombstone) {
    kind = EntryKind::tombstone;
    ttl = options_.tombstone_ttl;
    body = {};
  } else if (op.kind == OpKind::negative) {
    kind = EntryKind::negative;
    ttl = options_.negative_ttl;
    body = {};
  } else if (op.kind == OpKind::fence || op.kind == OpKind::invalidate) {
    // Outlives every fill that read the table before the change, like a tombstone.
    kind = EntryKind::fence;
    ttl = options_.tombstone_ttl;
    body = {};
  }
  const auto header = encode_header(kind, op.kind == OpKind::negative ? 0 : op.version);
  const bool above = op.kind == OpKind::invalidate;
  commands_.begin(above ? 7 : 6);
  commands_.arg("EVALSHA");
  commands_.arg(std::string_view(set_if_newer_sha()));
  commands_.arg("1");
  commands_.arg(std::string_view(key_));
  commands_.arg({std::string_view(header.data(), header.size()), body});
  commands_.arg(std::int64_t{jittered_ttl(ttl, options_.ttl_jitter, next_random()).count()});
  if (above) commands_.arg("above");
  return {};
}

void ItemCache::execute(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) {
  results.clear();
  results.resize(ops.size());
  commands_.clear();
  sent_.clear();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (auto appended = append(ops[i]); !appended) {
      results[i] = unexpected(std::move(appended).error());
    } else {
      sent_.push_back(i);
    }
  }
  if (sent_.empty()) return;

  // Every op is idempotent (a version guard or a read), so a dead kept connection is retried.
  if (auto done = connection_.pipeline(commands_, replies_, Replay::idempotent, budget); !done) {
    for (std::size_t i : sent_)
      results[i] = unexpected(done.error());
    return;
  }
  bool readonly = false;
  retry_.clear();
  for (std::size_t k = 0; k < sent_.size(); ++k) {
    const std::size_t i = sent_[k];
    // Writes commute (the highest version wins), but a read after a retried write must see it:
    // gets that follow the first NOSCRIPT run again, in order, after the retried writes.
    if (is_noscript(replies_[k]) || (!retry_.empty() && ops[i].kind == OpKind::get)) {
      retry_.push_back(i);
      continue;
    }
    readonly = readonly || replies_[k].error_prefix() == "READONLY";
    results[i] = result_of(ops[i].kind, std::move(replies_[k]));
  }

  if (!retry_.empty()) {
    // The server lost the script (SCRIPT FLUSH, restart, failover): load it and run those again.
    commands_.clear();
    commands_.add({"SCRIPT", "LOAD", kSetIfNewerScript});
    for (std::size_t i : retry_)
      (void)append(ops[i]);  // valid: they were sent before
    auto done = connection_.pipeline(commands_, replies_, Replay::idempotent, budget);
    if (done && replies_.front().is_error()) done = unexpected(error_from_reply(replies_.front()));
    if (done && replies_.front().str != set_if_newer_sha()) {
      done = unexpected(Error{ErrorCode::protocol, "SCRIPT LOAD returned '" + replies_.front().str +
                                                       "', expected " + set_if_newer_sha()});
    }
    for (std::size_t k = 0; k < retry_.size(); ++k) {
      const std::size_t i = retry_[k];
      if (!done) {
        results[i] = unexpected(done.error());
        continue;
      }
      readonly = readonly || replies_[k + 1].error_prefix() == "READONLY";
      results[i] = result_of(ops[i].kind, std::move(replies_[k + 1]));
    }
  }
  // A failover demoted our server: reconnect, so DNS leads the next call to the new primary.
  if (readonly) connection_.disconnect();
}

BatchResults ItemCache::execute(std::span<const CacheOp> ops, Deadline budget) {
  BatchResults results;
  execute(ops, results, budget);
  return results;
}

Expected<GetResult, Error> ItemCache::get(std::string_view id) {
  const CacheOp op = CacheOp::get(id);
  execute(std::span(&op, 1), single_);
  if (!single_.front()) return unexpected(std::move(single_.front()).error());
  return std::move(single_.front()->read);
}

namespace {

Expected<WriteResult, Error> write_of(Expected<OpResult, Error>&& result) {
  if (!result) return unexpected(std::move(result).error());
  return result->write;
}

}  // namespace

Expected<WriteResult, Error> ItemCache::apply_if_newer(std::string_view id, Version version,
                                                       std::string_view body) {
  const CacheOp op = CacheOp::apply_if_newer(id, version, body);
  execute(std::span(&op, 1), single_);
  return write_of(std::move(single_.front()));
}

Expected<WriteResult, Error> ItemCache::tombstone_if_newer(std::string_view id,
                                                           Version tombstone_version) {
  const CacheOp op = CacheOp::tombstone_if_newer(id, tombstone_version);
  execute(std::span(&op, 1), single_);
  return write_of(std::move(single_.front()));
}

Expected<WriteResult, Error> ItemCache::fill_negative(std::string_view id) {
  const CacheOp op = CacheOp::fill_negative(id);
  execute(std::span(&op, 1), single_);
  return write_of(std::move(single_.front()));
}

Expected<WriteResult, Error> ItemCache::fence_if_newer(std::string_view id, Version version) {
  const CacheOp op = CacheOp::fence_if_newer(id, version);
  execute(std::span(&op, 1), single_);
  return write_of(std::move(single_.front()));
}

Expected<WriteResult, Error> ItemCache::invalidate_above(std::string_view id, Version floor) {
  const CacheOp op = CacheOp::invalidate_above(id, floor);
  execute(std::span(&op, 1), single_);
  return write_of(std::move(single_.front()));
}

}  // namespace streamcache::cache
