#include "items/monitor_sampler.h"

#include <set>

namespace streamcache::items {

namespace {

constexpr std::string_view kPrefix = "item:{";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> id_of_item_key(std::string_view key) {
  if (key.size() < kPrefix.size() + 2 || !key.starts_with(kPrefix) || !key.ends_with('}')) {
    return std::nullopt;
  }
  const std::string_view escaped = key.substr(kPrefix.size(), key.size() - kPrefix.size() - 1);
  std::string id;
  id.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c == '{' || c == '}') return std::nullopt;  // append_item_key escapes them
    if (c != '%') {
      id.push_back(c);
      continue;
    }
    if (i + 2 >= escaped.size()) return std::nullopt;
    const int high = hex_digit(escaped[i + 1]);
    const int low = hex_digit(escaped[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    id.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return id;
}

Expected<std::vector<std::string>, cache::Error> RedisCacheSampler::sample_ids(std::size_t count,
                                                                               Deadline deadline) {
  commands_.clear();
  for (std::size_t i = 0; i < count; ++i)
    commands_.add({"RANDOMKEY"});
  // Read-only: replaying after a lost answer only draws other keys.
  auto sent = connection_.pipeline(commands_, replies_, cache::Replay::idempotent, deadline);
  if (!sent) return unexpected(sent.error());
  std::vector<std::string> ids;
  std::set<std::string, std::less<>> seen;
  for (auto& reply : replies_) {
    if (reply.is_error()) return unexpected(cache::error_from_reply(reply));
    if (reply.type != cache::Reply::Type::string) continue;  // nil: the database is empty
    auto id = id_of_item_key(reply.str);
    if (!id || !seen.insert(*id).second) continue;
    ids.push_back(std::move(*id));
  }
  return ids;
}

Expected<std::vector<std::optional<CachedEntry>>, cache::Error> RedisCacheSampler::read(
    std::span<const std::string> ids, Deadline deadline) {
  commands_.clear();
  std::string key;
  for (const auto& id : ids) {
    key.clear();
    cache::append_item_key(key, id);
    commands_.add({"GET", key});
  }
  auto sent = connection_.pipeline(commands_, replies_, cache::Replay::idempotent, deadline);
  if (!sent) return unexpected(sent.error());
  std::vector<std::optional<CachedEntry>> entries;
  entries.reserve(replies_.size());
  for (const auto& reply : replies_) {
    if (reply.is_error()) {
      cache::Error error = cache::error_from_reply(reply);
      // Not an entry of ours (WRONGTYPE): nothing to judge. A server that cannot serve fails the
      // run.
      if (error.code != cache::ErrorCode::reply) return unexpected(std::move(error));
      entries.emplace_back();
      continue;
    }
    std::optional<CachedEntry> entry;
    if (reply.type == cache::Reply::Type::string) {
      if (auto decoded = cache::decode_entry(reply.str)) {
        entry = CachedEntry{decoded->kind, decoded->version, std::string(decoded->body)};
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace streamcache::items
