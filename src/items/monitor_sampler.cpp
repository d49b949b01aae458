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
  auto keys = cache_.random_keys(count, deadline);
  if (!keys) return unexpected(std::move(keys).error());
  std::vector<std::string> ids;
  std::set<std::string, std::less<>> seen;
  for (const auto& key : *keys) {
    auto id = id_of_item_key(key);
    if (!id || !seen.insert(*id).second) continue;
    ids.push_back(std::move(*id));
  }
  return ids;
}

Expected<std::vector<std::optional<CachedEntry>>, cache::Error> RedisCacheSampler::read(
    std::span<const std::string> ids, Deadline deadline) {
  ops_.clear();
  for (const auto& id : ids)
    ops_.push_back(cache::CacheOp::get(id));
  cache_.execute(ops_, results_, deadline);
  std::vector<std::optional<CachedEntry>> entries;
  entries.reserve(results_.size());
  for (auto& result : results_) {
    if (!result) {
      // Not an entry of ours (WRONGTYPE, or an id no writer could use): nothing to judge. A
      // server that cannot serve fails the run.
      const auto code = result.error().code;
      if (code != cache::ErrorCode::reply && code != cache::ErrorCode::invalid_argument) {
        return unexpected(result.error());
      }
      entries.emplace_back();
      continue;
    }
    cache::GetResult& read = result->read;
    if (!read.kind) {
      entries.emplace_back();  // nothing cached, or a value this code cannot read
      continue;
    }
    entries.push_back(CachedEntry{*read.kind, read.version, std::move(read.body)});
  }
  return entries;
}

}  // namespace streamcache::items
