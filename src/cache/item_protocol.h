// The versioned item protocol of ARCHITECTURE.md as pure functions: versions, keys, the entry
// encoding, TTL jitter, the set-if-newer script and reply mapping. No I/O; used by ItemCache.
//
// One string per item at `item:{<id>}`: a 17-byte header, then the body.
//   byte 0      kind: 'I' item, 'T' tombstone, 'N' negative ("not in the table"), 'F' fence
//               (read as a miss; refuses writes older than itself: a versioned invalidation)
//   bytes 1-16  version, 16 zero-padded decimal digits (2^53 - 1 has 16)
//   bytes 17-   the item's JSON body (items only)
// A hit is then one GET; the script reads only the header (GETRANGE 0 16), never the body.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/error.h"
#include "cache/resp.h"
#include "common/expected.h"

namespace streamcache::cache {

using Version = std::uint64_t;
inline constexpr Version kMaxVersion = (Version{1} << 53) - 1;  // DynamoDB Numbers stay exact
inline constexpr std::size_t kMaxIdBytes = 2048;                // DynamoDB's partition key limit
inline constexpr std::size_t kHeaderSize = 17;

enum class EntryKind : char { item = 'I', tombstone = 'T', negative = 'N', fence = 'F' };

// What get() found.
struct GetResult {
  enum class Status : std::uint8_t {
    hit,        // the item: version and body
    not_found,  // a tombstone (version = deleted version + 1) or negative entry (version 0)
    miss,       // nothing cached, a fence, or an entry this code cannot read: read the table
  };
  Status status = Status::miss;
  Version version = 0;
  std::string body;  // hit only
  // The kind of the entry read (a miss: fence, or nullopt for nothing readable), for callers that
  // tell a tombstone from a negative entry (the consistency monitor).
  std::optional<EntryKind> kind;
};

enum class WriteResult : std::uint8_t {
  applied,  // written, with a fresh TTL
  stale,    // the cached entry is as new or newer: nothing changed (not even its TTL)
};

// Versions are integers in [0, 2^53); anything larger is refused before it reaches Lua.
Expected<void, Error> validate_version(Version version);
// A DynamoDB Number as a version: plain decimal digits only ("12", not "1.2e1" or "-1").
Expected<Version, Error> parse_version(std::string_view text);
// Ids are opaque, 1 to kMaxIdBytes bytes.
Expected<void, Error> validate_id(std::string_view id);

// Appends "item:{<id>}". '%', '{' and '}' are %-escaped, so the hash tag always covers the whole
// id (Redis Cluster hashes up to the first '}') and distinct ids never share a key.
void append_item_key(std::string& out, std::string_view id);
std::string item_key(std::string_view id);

std::array<char, kHeaderSize> encode_header(EntryKind kind, Version version);

struct DecodedEntry {
  EntryKind kind = EntryKind::item;
  Version version = 0;
  std::string_view body;
};
// nullopt when `value` is not an entry of this format.
std::optional<DecodedEntry> decode_entry(std::string_view value);

// `base` moved by a uniform offset in [-jitter*base, +jitter*base] chosen by `random` (any 64
// bits); never below 1 ms. Spreads expiries so entries filled together do not expire together.
std::chrono::milliseconds jittered_ttl(std::chrono::milliseconds base, double jitter,
                                       std::uint64_t random);

// KEYS[1] the key, ARGV[1] the encoded entry, ARGV[2] the TTL in ms, ARGV[3] (optional) "above".
// Writes (SET PX) when nothing readable is cached or the new entry is newer: a greater version, or
// the same version and a higher rank (fence < negative = tombstone < item; only a re-create can
// bring an item at its tombstone's version). With "above" it always writes, at a version above the
// cached one if need be: an invalidation that no older write can undo. Returns 1 when written.
inline constexpr std::string_view kSetIfNewerScript =
    R"lua(local cur = redis.call('GETRANGE', KEYS[1], 0, 16)
local new = ARGV[1]
if #cur == 17 and string.find(cur, '^[ITNF]%d+$') then
  local cv = tonumber(string.sub(cur, 2))
  local nv = tonumber(string.sub(new, 2, 17))
  if ARGV[3] == 'above' then
    if nv <= cv then new = string.format('%s%016d', string.sub(new, 1, 1), cv + 1) end
  else
    local rank = {F = 0, N = 1, T = 1, I = 2}
    if nv < cv then return 0 end
    if nv == cv and rank[string.sub(new, 1, 1)] <= rank[string.sub(cur, 1, 1)] then return 0 end
  end
end
redis.call('SET', KEYS[1], new, 'PX', ARGV[2])
return 1
)lua";

// Lowercase hex SHA-1 of kSetIfNewerScript, as EVALSHA wants it.
const std::string& set_if_newer_sha();

// Maps an error reply: NOAUTH/WRONGPASS/NOPERM -> auth; LOADING/READONLY/MASTERDOWN/BUSY/TRYAGAIN/
// CLUSTERDOWN/OOM/NOREPLICAS/MISCONF -> unavailable (the server cannot serve now); the rest
// (WRONGTYPE, script errors, MOVED) -> reply.
Error error_from_reply(const Reply& reply);
// A GET reply: nil -> miss, an entry -> hit or not_found, anything unreadable -> miss.
Expected<GetResult, Error> get_result_from_reply(Reply&& reply);
// A set-if-newer reply: 1 -> applied, 0 -> stale.
Expected<WriteResult, Error> write_result_from_reply(const Reply& reply);

}  // namespace streamcache::cache
