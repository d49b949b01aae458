// What the items logic needs from storage and cache: small interfaces, so the logic is tested
// without a network and the adapters (adapters.h) are tested against the real servers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/item_cache.h"
#include "common/deadline.h"
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
  StoreError() = default;
  StoreError(Kind k, std::string m, std::optional<json::Value> c = std::nullopt)
      : kind(k), message(std::move(m)), current(std::move(c)) {}

  Kind kind = Kind::other;
  std::string message;
  // conflict only: the row the table holds now (nullopt: none), read back so the caller can tell
  // its own earlier attempt (a retry whose first answer was lost) from another writer's.
  std::optional<json::Value> current;
};

// What a conditional write requires of the stored row. The new row's own `version` is the
// operand of `creatable` and `live_below`.
struct WriteCondition {
  enum class Kind {
    creatable,       // no row, or a deleted marker whose version is below the new row's
    version_equals,  // the row (an item or a deleted marker) has `version`
    unversioned,     // a live item without `version` (written by another tool)
    live_below,      // a live item whose version is missing or below the new row's (DELETE)
  };
  Kind kind = Kind::creatable;
  Version version = 0;  // version_equals only
};

struct ListPage {
  std::vector<json::Value> items;
  std::optional<std::string> last_id;  // set when more pages follow
};

// Every call ends by its `deadline` (the invocation's budget): running out of time is
// StoreError::Kind::unavailable, and a cache call out of time fails like an unreachable cache.
// Overrides repeat the default, Deadline::never() (tests, tools).
class ItemStore {
 public:
  virtual ~ItemStore() = default;
  // Consistent read of one row as plain JSON: an item or a deleted marker; nullopt when absent.
  virtual Expected<std::optional<json::Value>, StoreError> get(
      std::string_view id, Deadline deadline = Deadline::never()) = 0;
  // Writes the whole row (plain JSON with id and version) when `condition` holds, else conflict
  // with the current row. A delete is the write of a deleted marker (item.h).
  virtual Expected<void, StoreError> put(const json::Value& row, WriteCondition condition,
                                         Deadline deadline = Deadline::never()) = 0;
  // Live items only: deleted markers are left out (a page may then hold fewer than `limit`).
  virtual Expected<ListPage, StoreError> list(int limit, std::optional<std::string> start_after,
                                              Deadline deadline = Deadline::never()) = 0;
};

// The versioned cache (cache/item_cache.h) as the API uses it.
class ItemCachePort {
 public:
  virtual ~ItemCachePort() = default;
  virtual Expected<cache::GetResult, cache::Error> get(std::string_view id,
                                                       Deadline deadline = Deadline::never()) = 0;
  virtual Expected<cache::WriteResult, cache::Error> apply_if_newer(
      std::string_view id, Version version, std::string_view body,
      Deadline deadline = Deadline::never()) = 0;
  virtual Expected<cache::WriteResult, cache::Error> tombstone_if_newer(
      std::string_view id, Version version, Deadline deadline = Deadline::never()) = 0;
  virtual Expected<cache::WriteResult, cache::Error> fill_negative(
      std::string_view id, Deadline deadline = Deadline::never()) = 0;
};

// One cache mutation derived from a stream record.
struct StreamOp {
  enum class Kind {
    apply,       // the item at `version`
    tombstone,   // deleted: `version` is the deleted marker's, or the removed version + 1
    fence,       // a change too old to apply safely: refuse anything older than `version`
    invalidate,  // a change without a readable version: fence above `version` and the cache
  };
  Kind kind = Kind::apply;
  std::string id;
  Version version = 0;
  std::string body;        // apply only
  std::size_t record = 0;  // index of the record in the batch
};
using StreamResults = std::vector<Expected<cache::WriteResult, cache::Error>>;

// Runs a batch of stream ops in order, pipelined; results[i] answers ops[i]. Never waits past
// `budget`: what it could not run by then fails as unavailable. Every call tries the cache for
// real (no backoff of its own): the caller paces its retries.
class StreamCachePort {
 public:
  virtual ~StreamCachePort() = default;
  virtual void execute(std::span<const StreamOp> ops, StreamResults& results, Deadline budget) = 0;
  // Sending a batch while it is still being planned, so the cache applies the first records while
  // the rest are decoded: start_batch(), send_planned() with each run of newly planned ops in
  // order, then the next execute() (of the whole batch, those ops first) sends the rest and
  // answers every op, under start_batch()'s budget. abandon_batch() drops a started batch. By
  // default nothing is sent before execute().
  virtual void start_batch(Deadline budget) { (void)budget; }
  virtual void send_planned(std::span<const StreamOp> ops) { (void)ops; }
  virtual void abandon_batch() {}
};

}  // namespace streamcache::items
