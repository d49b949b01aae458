#include "cache/item_cache.h"

#include <utility>

#include "common/random.h"

namespace streamcache::cache {
namespace {

bool is_noscript(const Reply& reply) {
  return reply.error_prefix() == "NOSCRIPT";
}

}  // namespace

Expected<ItemCache, Error> ItemCache::create(ConnectionOptions connection,
                                             ItemCacheOptions options) {
  if (auto valid = validate_item_cache_options(options); !valid) {
    return unexpected(std::move(valid).error());
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

Expected<void, Error> ItemCache::append(const CacheOp& op) {
  if (auto valid = validate_op(op); !valid) return valid;
  key_.clear();
  append_item_key(key_, op.id);
  append_op_command(commands_, op, key_, options_, splitmix64(random_state_));
  return {};
}

void ItemCache::append_all(std::span<const CacheOp> ops, std::size_t first) {
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (auto appended = append(ops[k]); !appended) {
      refused_.emplace_back(first + k, std::move(appended).error());
    } else {
      sent_.push_back(first + k);
    }
  }
}

void ItemCache::execute(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) {
  if (std::exchange(batch_open_, false)) connection_.abandon_pipeline();
  commands_.clear();
  sent_.clear();
  refused_.clear();
  append_all(ops, 0);
  if (sent_.empty()) return collect(ops, results, {}, budget);
  // Every op is idempotent (a version guard or a read), so a dead kept connection is retried.
  auto done = connection_.pipeline(commands_, replies_, Replay::idempotent, budget);
  collect(ops, results, std::move(done), budget);
}

void ItemCache::start_batch(Deadline budget) {
  abandon_batch();  // before commands_ changes
  commands_.clear();
  sent_.clear();
  refused_.clear();
  ahead_ = 0;
  written_at_ = 0;
  batch_open_ = true;
  connection_.open_pipeline(commands_, replies_, budget);
}

void ItemCache::send_ahead(std::span<const CacheOp> ops) {
  if (!batch_open_) return;
  append_all(ops, ahead_);
  ahead_ += ops.size();
  // A write per op would cost a syscall each; waiting for the whole batch would idle the server.
  constexpr std::size_t kSendAheadBytes = 16 * 1024;
  if (commands_.bytes().size() - written_at_ >= kSendAheadBytes) {
    connection_.send_available();
    written_at_ = commands_.bytes().size();
  }
}

void ItemCache::finish_batch(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) {
  if (!batch_open_ || ops.size() < ahead_) return execute(ops, results, budget);
  batch_open_ = false;
  append_all(ops.subspan(ahead_), ahead_);
  auto done = connection_.finish_pipeline(Replay::idempotent);
  collect(ops, results, std::move(done), budget);
}

void ItemCache::abandon_batch() {
  if (std::exchange(batch_open_, false)) connection_.abandon_pipeline();
}

void ItemCache::collect(std::span<const CacheOp> ops, BatchResults& results,
                        Expected<void, Error> done, Deadline budget) {
  results.clear();
  results.resize(ops.size());
  for (auto& [i, error] : refused_)
    results[i] = unexpected(std::move(error));
  if (sent_.empty()) return;
  if (!done) {
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
    results[i] = op_result_from_reply(ops[i].kind, std::move(replies_[k]));
  }

  if (!retry_.empty()) {
    // The server lost the script (SCRIPT FLUSH, restart, failover): load it and run those again.
    commands_.clear();
    commands_.add({"SCRIPT", "LOAD", kSetIfNewerScript});
    for (std::size_t i : retry_)
      (void)append(ops[i]);  // valid: they were sent before
    auto again = connection_.pipeline(commands_, replies_, Replay::idempotent, budget);
    if (again) again = check_script_loaded(replies_.front());
    for (std::size_t k = 0; k < retry_.size(); ++k) {
      const std::size_t i = retry_[k];
      if (!again) {
        results[i] = unexpected(again.error());
        continue;
      }
      readonly = readonly || replies_[k + 1].error_prefix() == "READONLY";
      results[i] = op_result_from_reply(ops[i].kind, std::move(replies_[k + 1]));
    }
  }
  // A failover demoted our server: reconnect, so DNS leads the next call to the new primary.
  if (readonly) connection_.disconnect();
}

Expected<std::vector<std::string>, Error> ItemCache::random_keys(std::size_t count,
                                                                 Deadline budget) {
  std::vector<std::string> keys;
  if (count == 0) return keys;
  abandon_batch();  // commands_ is about to change
  commands_.clear();
  for (std::size_t i = 0; i < count; ++i)
    commands_.add({"RANDOMKEY"});
  // Read-only: a replay after a lost answer only draws other keys.
  if (auto done = connection_.pipeline(commands_, replies_, Replay::idempotent, budget); !done) {
    return unexpected(std::move(done).error());
  }
  if (auto appended = append_random_keys(replies_, keys); !appended) {
    return unexpected(std::move(appended).error());
  }
  return keys;
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
