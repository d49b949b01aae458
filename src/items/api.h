// The items API: routes requests (items/http.h) to the item operations: cache-first reads,
// conditional writes with versions that never go back, deletes that leave a marker (item.h),
// conditional requests (If-Match / If-None-Match) and the Cache-Status header (RFC 9211).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "items/http.h"
#include "items/ports.h"
#include "lambda/events/http.h"

namespace streamcache::items {

struct ApiOptions {
  bool write_through = true;
  // Microseconds since the epoch; a seam so version and timestamp tests are exact.
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

class ItemsApi {
 public:
  // `cache` may be null: every read then goes to the table.
  ItemsApi(ItemStore& store, ItemCachePort* cache, ApiOptions options);

  lambda::events::HttpResponse handle(const ApiRequest& request);
  // Event JSON in, response JSON out; never throws for any input.
  std::string handle_event(std::string_view event_json);

  ApiStats& stats() { return stats_; }

 private:
  lambda::events::HttpResponse get_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse create_item(const ApiRequest& request);
  lambda::events::HttpResponse put_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse patch_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse delete_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse list_items(const ApiRequest& request);
  void write_through(const std::string& id, Version version, const std::string& body);
  void tombstone_through(const std::string& id, Version version);
  // One conditional write. A conflict whose current row is this very row is a success: an
  // earlier attempt of this request committed and its answer was lost.
  Expected<void, StoreError> write_row(const json::Value& row, const std::string& text,
                                       WriteCondition condition);
  std::int64_t now_us() const;

  ItemStore& store_;
  ItemCachePort* cache_;
  ApiOptions options_;
  ApiStats stats_;
};

}  // namespace streamcache::items
