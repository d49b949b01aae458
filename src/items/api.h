// The items HTTP API: routes requests (items/http.h) to the item operations (items/operations.h)
// and maps their outcomes onto HTTP: status codes, problem+json, ETag / Location, conditional
// requests (If-Match / If-None-Match) and the Cache-Status header (RFC 9211).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "items/http.h"
#include "items/operations.h"
#include "items/ports.h"
#include "lambda/events/http.h"

namespace streamcache::items {

// The time an invocation with `remaining` left may spend on DynamoDB and Redis: `remaining` less
// max(500 ms, 10 %), the margin to serialize the answer, post it to the Runtime API and write the
// metrics line (500 ms absorbs a slow post or a page fault burst; 10 % scales with long timeouts).
// A 10 s function gets 9 s; with 500 ms or less left it gets zero (every call answers 503).
std::chrono::milliseconds answer_budget(std::chrono::milliseconds remaining);

class ItemsApi {
 public:
  // `cache` may be null: every read then goes to the table.
  ItemsApi(ItemStore& store, ItemCachePort* cache, ApiOptions options)
      : operations_(store, cache, std::move(options)) {}

  // Every DynamoDB and Redis call of the request ends by `deadline`; when it passes first the
  // answer is 503 problem+json with Retry-After.
  lambda::events::HttpResponse handle(const ApiRequest& request,
                                      Deadline deadline = Deadline::never());
  // Event JSON in, response JSON out; never throws for any input.
  std::string handle_event(std::string_view event_json, Deadline deadline = Deadline::never());

  ApiStats& stats() { return operations_.stats(); }

 private:
  lambda::events::HttpResponse get_item(const ApiRequest& request, const std::string& id,
                                        Deadline deadline);
  lambda::events::HttpResponse create_item(const ApiRequest& request, Deadline deadline);
  lambda::events::HttpResponse put_item(const ApiRequest& request, const std::string& id,
                                        Deadline deadline);
  lambda::events::HttpResponse patch_item(const ApiRequest& request, const std::string& id,
                                          Deadline deadline);
  lambda::events::HttpResponse delete_item(const ApiRequest& request, const std::string& id,
                                           Deadline deadline);
  lambda::events::HttpResponse list_items(const ApiRequest& request, Deadline deadline);

  ItemOperations operations_;
};

}  // namespace streamcache::items
