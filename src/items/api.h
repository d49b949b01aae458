// The items HTTP API: routes requests (items/http.h) to the item operations (items/operations.h)
// and maps their outcomes onto HTTP: status codes, problem+json, ETag / Location, conditional
// requests (If-Match / If-None-Match) and the Cache-Status header (RFC 9211).
#pragma once

#include <string>
#include <string_view>

#include "items/http.h"
#include "items/operations.h"
#include "items/ports.h"
#include "lambda/events/http.h"

namespace streamcache::items {

class ItemsApi {
 public:
  // `cache` may be null: every read then goes to the table.
  ItemsApi(ItemStore& store, ItemCachePort* cache, ApiOptions options)
      : operations_(store, cache, std::move(options)) {}

  lambda::events::HttpResponse handle(const ApiRequest& request);
  // Event JSON in, response JSON out; never throws for any input.
  std::string handle_event(std::string_view event_json);

  ApiStats& stats() { return operations_.stats(); }

 private:
  lambda::events::HttpResponse get_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse create_item(const ApiRequest& request);
  lambda::events::HttpResponse put_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse patch_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse delete_item(const ApiRequest& request, const std::string& id);
  lambda::events::HttpResponse list_items(const ApiRequest& request);

  ItemOperations operations_;
};

}  // namespace streamcache::items
