// The item model: ids, server-owned attributes, the version rule, canonical bodies, ETags and
// RFC 9457 problems. Pure functions, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "json/json.h"

namespace streamcache::items {

using Version = std::uint64_t;
inline constexpr Version kMaxVersion = (Version{1} << 53) - 1;  // DynamoDB Numbers stay exact
inline constexpr std::size_t kMaxIdLength = 128;
// DynamoDB's item limit; the canonical JSON size is used as a (conservative) measure.
inline constexpr std::size_t kMaxItemBytes = std::size_t{400} * 1024;

// 1-128 chars of A-Za-z0-9._~- (URL-safe, so ids never need escaping in paths or keys).
bool is_valid_id(std::string_view id);
// The rule of ARCHITECTURE.md: max(previous + 1, now in microseconds); capped below 2^53.
Version next_version(std::optional<Version> previous, std::int64_t now_us);
// The item's `version` when it is an integer in [0, 2^53); nullopt for unversioned items.
std::optional<Version> version_of(const json::Value& item);
// True for id, version, createdAt, updatedAt, deletedAt.
bool is_server_owned(std::string_view name);

// A deleted item stays in the table as a marker {id, version, deletedAt, expiresAt} until
// DynamoDB's TTL (on `expiresAt`, epoch seconds) removes it: its version is the floor a re-create
// must pass, whatever the writers' clocks and whatever Redis remembers. Reads and lists never show
// it.
inline constexpr std::string_view kDeletedAt = "deletedAt";
inline constexpr std::string_view kExpiresAt = "expiresAt";
// Far longer than any clock skew between writers: a re-create after it expires gets `now`.
inline constexpr std::chrono::hours kDeletedMarkerLifetime{24};
bool is_deleted_marker(const json::Value& row);
json::Value deleted_marker(std::string_view id, Version version, std::int64_t now_us);
// RFC 3339 UTC with milliseconds, e.g. "2026-11-24T16:19:36.123Z".
std::string format_timestamp(std::int64_t now_us);
// A random UUIDv4 (lower-case hex).
std::string random_uuid();

// Objects with members sorted by name, recursively: the table returns attributes in any order,
// and every producer (API, fill, stream) must write byte-identical bodies for the same item.
json::Value canonical(json::Value value);
// The user part of a request body is checked: an object, no server-owned member other than a
// matching `id`, and storable (below). The detail says what is wrong.
Expected<void, std::string> validate_user_document(const json::Value& body,
                                                   std::optional<std::string_view> path_id);
// What DynamoDB would refuse in any item, checked before a write so the answer is a specific
// 400: an empty attribute name, maps and lists nested deeper than 32 levels, a number it cannot
// store.
Expected<void, std::string> validate_storable(const json::Value& item);
// Rewrites every number in DynamoDB's canonical text (1.50 -> 1.5, 1E+3 -> 1000, -0 -> 0), so
// what the API answers and caches is byte for byte what the table stores and streams. The error
// names a number DynamoDB would refuse.
Expected<void, std::string> canonicalize_numbers(json::Value& value);
// RFC 7396 JSON merge patch.
json::Value merge_patch(json::Value target, const json::Value& patch);

// Strong ETag of a version: "\"<version>\"".
std::string etag_of(Version version);
// If-Match (strong comparison) / If-None-Match (weak) against the current ETag; `*` matches any
// existing item.
bool if_match_matches(std::string_view header, std::optional<Version> current);
bool if_none_match_matches(std::string_view header, std::optional<Version> current);

}  // namespace streamcache::items
