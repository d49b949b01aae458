// What the items logic needs from storage and cache: small interfaces, so the logic is tested
// without a network and the adapters (adapters.h) are tested against the real servers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/item_cache.h"
#include "common/expected.h"
#include "items/item.h"
#include "json/json.h"

namespace streamcache::items {

struct StoreError {
  enum class Kind {
    conflict,     // the write's condition was false (someone else wrote first)
    too_large,    // over DynamoDB's item size limit
    invalid,      // DynamoDB refused the item (e.g. nesting too deep)
    unavailable,  // throttled or unreachable after the client's retries: 503
    other,        // anything else: 500
  };
  Kind kind = Kind::other;
  std::string message;
};

// What a conditional write requires of the stored item.
struct WriteCondition {
  enum class Kind { absent, version_equals, unversioned };
  Kind kind = Kind::absent;
  Version version = 0;  // version_equals only
};

struct ListPage {
  std::vector<json::Value> items;
  std::optional<std::string> last_id;  // set when more pages follow
};

class ItemStore {
 public:
  virtual ~ItemStore() = default;
  // Consistent read of one item as plain JSON; nullopt when absent.
  virtual Expected<std::optional<json::Value>, StoreError> get(std::string_view id) = 0;
  // Writes the whole item (plain JSON with id) when `condition` holds, else conflict.
  virtual Expected<void, StoreError> put(const json::Value& item, WriteCondition condition) = 0;
  // Deletes when `condition` holds (absent kind is not allowed); the deleted item, or conflict.
  virtual Expected<json::Value, StoreError> remove(std::string_view id,
                                                   std::optional<Version> expected_version) = 0;
  virtual Expected<ListPage, StoreError> list(int limit,
                                              std::optional<std::string> start_after) = 0;
};

// The versioned cache (cache/item_cache.h) as the API uses it.
class ItemCachePort {
 public:
  virtual ~ItemCachePort() = default;
  virtual Expected<cache::GetResult, cache::Error> get(std::string_view id) = 0;
  virtual Expected<cache::WriteResult, cache::Error> apply_if_newer(std::string_view id,
                                                                    Version version,
                                                                    std::string_view body) = 0;
  virtual Expected<cache::WriteResult, cache::Error> tombstone_if_newer(std::string_view id,
                                                                        Version version) = 0;
  virtual Expected<cache::WriteResult, cache::Error> fill_negative(std::string_view id) = 0;
};

// One cache mutation derived from a stream record.
struct StreamOp {
  enum class Kind { apply, tombstone, invalidate };
  Kind kind = Kind::apply;
  std::string id;
  Version version = 0;     // apply: the item's; tombstone: the deleted version + 1
  std::string body;        // apply only
  std::size_t record = 0;  // index of the record in the batch
};
using StreamResults = std::vector<Expected<cache::WriteResult, cache::Error>>;

// Runs a batch of stream ops in order, pipelined; results[i] answers ops[i].
class StreamCachePort {
 public:
  virtual ~StreamCachePort() = default;
  virtual void execute(std::span<const StreamOp> ops, StreamResults& results) = 0;
};

}  // namespace streamcache::items
