// The items HTTP API: routing of API Gateway v2 / v1 / Function URL events to the read and write
// paths, problem+json errors, conditional requests and the Cache-Status header (RFC 9211).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "items/ports.h"
#include "lambda/events/http.h"

namespace streamcache::items {

// One HTTP request, whatever event format carried it. Header names are lower-case.
struct ApiRequest {
  std::string method;
  std::string path;
  lambda::events::StringMap headers;
  lambda::events::StringMap query;
  std::string body;  // decoded bytes
};

// Reads an HTTP API 2.0 / Function URL or REST v1 event; the error says what was wrong.
Expected<ApiRequest, std::string> api_request_from_event(std::string_view event_json);

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
  // The version a re-create must reach: the cached tombstone's (deleted + 1), if one is seen.
  std::optional<Version> recreate_floor(const std::string& id);
  void write_through(const std::string& id, Version version, const std::string& body);
  // One attempt of a read-modify-write (PUT, PATCH): the conditional put, then the write-through.
  // The stored body; or an error holding the response to answer (413, 412, 5xx), or holding
  // nothing when a concurrent writer won and the caller should read again and retry.
  Expected<std::string, std::optional<lambda::events::HttpResponse>> try_write(
      const std::string& id, json::Value item, Version version, WriteCondition condition,
      const std::string* if_match);
  std::int64_t now_us() const;

  ItemStore& store_;
  ItemCachePort* cache_;
  ApiOptions options_;
  ApiStats stats_;
};

// A problem+json response (RFC 9457).
lambda::events::HttpResponse problem(int status, std::string_view detail);
// "1712345678" <-> base64url cursor.
std::string encode_cursor(std::string_view last_id);
std::optional<std::string> decode_cursor(std::string_view cursor);

}  // namespace streamcache::items
