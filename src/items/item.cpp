#include "items/item.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "aws/attribute_value.h"
#include "common/random.h"

namespace streamcache::items {

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
  });
}

Version next_version(std::optional<Version> previous, std::int64_t now_us) {
  Version now = now_us > 0 ? static_cast<Version>(now_us) : 1;
  Version next = previous ? std::max(*previous + 1, now) : now;
  return std::min(next, kMaxVersion);
}

std::optional<Version> version_of(const json::Value& item) {
  const json::Value* v = item.find("version");
  if (v == nullptr || !v->is_number()) return std::nullopt;
  auto n = json::to_int64(v->as_number());
  if (!n || *n < 0 || static_cast<Version>(*n) > kMaxVersion) return std::nullopt;
  return static_cast<Version>(*n);
}

bool is_server_owned(std::string_view name) {
  return name == "id" || name == "version" || name == "createdAt" || name == "updatedAt" ||
         name == kDeletedAt;
}

bool is_deleted_marker(const json::Value& row) {
  return row.is_object() && row.find(kDeletedAt) != nullptr;
}

json::Value deleted_marker(std::string_view id, Version version, std::int64_t now_us) {
  const auto expires = now_us / 1'000'000 + std::chrono::seconds(kDeletedMarkerLifetime).count();
  json::Value row(json::Object{});
  row.set(kDeletedAt, format_timestamp(now_us));
  row.set(kExpiresAt, json::Value::integer(expires));
  row.set("id", id);
  row.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
  return row;
}

std::string format_timestamp(std::int64_t now_us) {
  std::time_t seconds = static_cast<std::time_t>(now_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];  // generous: the compiler cannot bound tm_year
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((now_us / 1000) % 1000));
  return buf;
}

std::string random_uuid() {
  std::uint8_t bytes[16];
  fill_random(bytes);
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (int i = 0; i < 8; ++i) {
    hi = (hi << 8) | bytes[i];
    lo = (lo << 8) | bytes[8 + i];
  }
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

json::Value canonical(json::Value value) {
  if (value.is_object()) {
    auto& members = value.as_object();
    for (auto& m : members)
      m.value = canonical(std::move(m.value));
    std::stable_sort(members.begin(), members.end(),
                     [](const json::Member& a, const json::Member& b) { return a.name < b.name; });
  } else if (value.is_array()) {
    for (auto& v : value.as_array())
      v = canonical(std::move(v));
  }
  return value;
}

namespace {

// DynamoDB nests maps and lists up to 32 levels; a deeper document would fail at write time.
constexpr int kMaxNesting = 32;

// Levels of maps and lists in a value: 0 for a scalar, 1 for a flat object or array.
int nesting(const json::Value& value) {
  int deepest = 0;
  if (value.is_object()) {
    for (const auto& m : value.as_object())
      deepest = std::max(deepest, nesting(m.value));
  } else if (value.is_array()) {
    for (const auto& e : value.as_array())
      deepest = std::max(deepest, nesting(e));
  } else {
    return 0;
  }
  return deepest + 1;
}

}  // namespace

Expected<void, std::string> validate_user_document(const json::Value& body,
                                                   std::optional<std::string_view> path_id) {
  if (!body.is_object()) return unexpected(std::string("the body must be a JSON object"));
  for (const auto& m : body.as_object()) {
    if (m.name == "id") {
      if (!m.value.is_string() || !is_valid_id(m.value.as_string())) {
        return unexpected(
            std::string("`id` must be a string of 1-128 characters from A-Z a-z 0-9 . _ ~ -"));
      }
      if (path_id && m.value.as_string() != *path_id) {
        return unexpected(std::string("`id` in the body differs from the id in the path"));
      }
    } else if (is_server_owned(m.name)) {
      return unexpected("`" + m.name + "` is owned by the server and cannot be set");
    }
  }
  return validate_storable(body);
}

Expected<void, std::string> validate_storable(const json::Value& item) {
  for (const auto& m : item.as_object()) {
    if (m.name.empty()) return unexpected(std::string("attribute names must not be empty"));
    if (nesting(m.value) > kMaxNesting) {
      return unexpected("`" + m.name + "` nests maps and lists deeper than " +
                        std::to_string(kMaxNesting) + " levels, DynamoDB's limit");
    }
  }
  // The same conversion the store uses, so an item that passes here can be stored whole.
  auto attributes = aws::map_from_plain_json(item);
  if (!attributes) return unexpected("invalid value: " + attributes.error());
  return {};
}

Expected<void, std::string> canonicalize_numbers(json::Value& value) {
  if (value.is_number()) {
    auto text = aws::canonical_number(value.as_number().text);
    if (!text) return unexpected(std::move(text).error());
    if (*text != value.as_number().text) value = json::Value(json::Number{std::move(*text)});
  } else if (value.is_object()) {
    for (auto& m : value.as_object()) {
      if (auto done = canonicalize_numbers(m.value); !done) return done;
    }
  } else if (value.is_array()) {
    for (auto& e : value.as_array()) {
      if (auto done = canonicalize_numbers(e); !done) return done;
    }
  }
  return {};
}

json::Value merge_patch(json::Value target, const json::Value& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::Value(json::Object{});
  for (const auto& m : patch.as_object()) {
    if (m.value.is_null()) {
      target.erase(m.name);
    } else if (json::Value* existing = target.find(m.name)) {
      *existing = merge_patch(std::move(*existing), m.value);
    } else {
      target.set(m.name, merge_patch(json::Value(), m.value));
    }
  }
  return target;
}

std::string etag_of(Version version) {
  std::string etag = "\"";  // appended: GCC 12 -O2 warns falsely (-Wrestrict) on "x" + string&&
  etag += std::to_string(version);
  etag += '"';
  return etag;
}

namespace {

template <class F>
bool any_tag(std::string_view header, F&& f) {
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t'))
      tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t'))
      tag.remove_suffix(1);
    if (!tag.empty() && f(tag)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool if_match_matches(std::string_view header, std::optional<Version> current) {
  if (!current) return false;
  std::string etag = etag_of(*current);
  return any_tag(header, [&](std::string_view tag) { return tag == "*" || tag == etag; });
}

bool if_none_match_matches(std::string_view header, std::optional<Version> current) {
  if (!current) return false;
  std::string etag = etag_of(*current);
  return any_tag(header, [&](std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag == "*" || tag == etag;
  });
}

}  // namespace streamcache::items
