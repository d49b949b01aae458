// The item operations, apart from any HTTP shape: cache-first reads, conditional writes whose
// versions never go back (deleted markers keep the floor), write-through, and retried writes that
// recognize their own committed first attempt. items/api.h maps them onto HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "items/item.h"
#include "items/ports.h"
#include "json/json.h"

namespace streamcache::items {

struct ApiOptions {
  bool write_through = true;
  // Microseconds since the epoch; a seam so version and timestamp tests are exact, and so tests
  // can give each writer a skewed clock.
  std::function<std::int64_t()> now_us;
};

// Counters for the EMF metrics line of an invocation (reset by the caller).
struct ApiStats {
  int cache_hits = 0;
  int cache_misses = 0;
  int cache_fills = 0;
  int stale_fills = 0;
  int cache_errors = 0;
  double dynamodb_ms = 0;
};

// What an operation did. `body` is the item's canonical JSON (ok, created); `detail` says why for
// every failure, in words a client can act on.
struct Outcome {
  enum class Status {
    ok,
    created,
    deleted,
    not_found,
    exists,               // a create met a live item
    conflict,             // concurrent writers kept winning
    precondition_failed,  // If-Match did not match
    invalid,              // the document or DynamoDB refused it: 400
    too_large,            // over DynamoDB's item size: 413
    unavailable,          // DynamoDB throttled or unreachable: 503
    internal,             // anything else: 500
  };
  Status status = Status::ok;
  std::string body;
  std::optional<Version> version;  // ok, created: the item's ETag version
  std::string detail;
  std::string cache_status;  // reads: the RFC 9211 Cache-Status value
  std::string id;            // create: the new item's id (given or a new UUID)
};

struct ListOutcome {
  Outcome::Status status = Outcome::Status::ok;
  std::string detail;
  std::vector<json::Value> items;      // canonical
  std::optional<std::string> last_id;  // set when more pages follow
};

class ItemOperations {
 public:
  // `cache` may be null: every read then goes to the table.
  ItemOperations(ItemStore& store, ItemCachePort* cache, ApiOptions options);

  // Every operation ends by `deadline` (the invocation's budget, items/api.h answer_budget):
  // each store and cache call gets it, a store call out of time is `unavailable` (503), and a
  // cache call out of time is a miss (read) or a skipped fill / write-through.
  Outcome read(const std::string& id, Deadline deadline = Deadline::never());
  // `document` is a validated user document (validate_user_document); its `id` or a new UUID.
  Outcome create(const json::Value& document, Deadline deadline = Deadline::never());
  Outcome replace(const std::string& id, const json::Value& document, const std::string* if_match,
                  Deadline deadline = Deadline::never());
  Outcome patch(const std::string& id, const json::Value& patch, const std::string* if_match,
                Deadline deadline = Deadline::never());
  Outcome remove(const std::string& id, const std::string* if_match,
                 Deadline deadline = Deadline::never());
  ListOutcome list(int limit, std::optional<std::string> start_after,
                   Deadline deadline = Deadline::never());

  ApiStats& stats() { return stats_; }

 private:
  void write_through(const std::string& id, Version version, const std::string& body,
                     Deadline deadline);
  void tombstone_through(const std::string& id, Version version, Deadline deadline);
  // One conditional write. A conflict whose current row is this very row is a success: an
  // earlier attempt of this request committed and its answer was lost. This is also what makes
  // resending a PutItem safe (aws::ServiceClient's retries, http::Client's resend on a broken
  // kept-alive connection): every row carries a version no other write produces (conditional
  // writes, ARCHITECTURE.md rule 1), so finding our exact row means our first copy committed.
  Expected<void, StoreError> write_row(const json::Value& row, const std::string& text,
                                       WriteCondition condition, Deadline deadline);
  std::int64_t now_us() const;

  ItemStore& store_;
  ItemCachePort* cache_;
  ApiOptions options_;
  ApiStats stats_;
};

}  // namespace streamcache::items
