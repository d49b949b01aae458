#include "items/api.h"

#include <charconv>
#include <exception>

#include "common/log.h"

namespace streamcache::items {

namespace events = lambda::events;
using events::HttpResponse;

namespace {

// Rounds of a write that meets other writers (or a deleted marker above its clock) before 409.
constexpr int kWriteAttempts = 3;

constexpr std::string_view kHitStatus = "streamcache; hit";
constexpr std::string_view kUnavailableStatus = "streamcache; fwd=miss; detail=cache-unavailable";

HttpResponse store_problem(const StoreError& error) {
  switch (error.kind) {
    case StoreError::Kind::unavailable: {
      HttpResponse r = problem(503, "DynamoDB is throttling or unavailable; retry later");
      r.headers["retry-after"] = "1";
      return r;
    }
    case StoreError::Kind::too_large:
      return problem(413, "the item exceeds DynamoDB's 400 KB item size limit");
    case StoreError::Kind::invalid:
      return problem(400, "DynamoDB refused the item: " + error.message);
    case StoreError::Kind::conflict:
      return problem(409, "the item was changed concurrently; retry the request");
    case StoreError::Kind::other:
      break;
  }
  logging::error("storage error", {{"error", error.message}});
  return problem(500, "internal storage error");
}

// Unversioned items (written by other tools) count as version 0 for ETags and the version rule.
Version current_version(const json::Value& row) {
  return version_of(row).value_or(0);
}

bool is_live(const std::optional<json::Value>& row) {
  return row && !is_deleted_marker(*row);
}

// The condition that the row read before a write still holds.
WriteCondition unchanged(const std::optional<json::Value>& row) {
  if (!row) return {WriteCondition::Kind::creatable, 0};
  if (auto v = version_of(*row)) return {WriteCondition::Kind::version_equals, *v};
  return {WriteCondition::Kind::unversioned, 0};
}

// The row as stored and answered: DynamoDB's number text, members sorted, within the size limit.
Expected<std::string, HttpResponse> storable_text(json::Value& row) {
  // Cannot fail: every number was validated with the same rules before.
  if (auto numbers = canonicalize_numbers(row); !numbers) {
    return unexpected(problem(400, numbers.error()));
  }
  row = canonical(std::move(row));
  std::string text = json::serialize(row);
  if (text.size() > kMaxItemBytes) {
    return unexpected(problem(413, "the item exceeds DynamoDB's 400 KB item size limit"));
  }
  return text;
}

HttpResponse with_etag(HttpResponse r, Version version) {
  r.headers["etag"] = etag_of(version);
  return r;
}

}  // namespace

ItemsApi::ItemsApi(ItemStore& store, ItemCachePort* cache, ApiOptions options)
    : store_(store), cache_(cache), options_(std::move(options)) {}

std::int64_t ItemsApi::now_us() const {
  if (options_.now_us) return options_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ItemsApi::handle_event(std::string_view event_json) {
  HttpResponse response;
  try {
    auto request = api_request_from_event(event_json);
    if (!request) {
      logging::warn("undecodable API event", {{"error", request.error()}});
      response = problem(400, "the request could not be read: " + request.error());
    } else {
      response = handle(*request);
    }
  } catch (const std::exception& e) {
    // No input may crash the function: a bug answers 500 and the next invocation goes on.
    logging::error("unhandled exception", {{"error", e.what()}});
    response = problem(500, "internal error");
  } catch (...) {
    logging::error("unhandled non-standard exception");
    response = problem(500, "internal error");
  }
  return events::serialize(response);
}

HttpResponse ItemsApi::handle(const ApiRequest& request) {
  std::string_view path = request.path;
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  if (path == "/items") {
    if (request.method == "GET") return list_items(request);
    if (request.method == "POST") return create_item(request);
    HttpResponse r = problem(405, "/items supports GET and POST");
    r.headers["allow"] = "GET, POST";
    return r;
  }
  // Appended, not "literal" + std::string(...): GCC 12 -O2 warns falsely (-Wrestrict) on that.
  std::string no_route = "no route for ";
  no_route += path;
  if (!path.starts_with("/items/")) return problem(404, no_route);
  auto id = percent_decode(path.substr(7));
  if (!id || id->find('/') != std::string::npos) {
    return problem(404, no_route);
  }
  const std::string& m = request.method;
  if (m != "GET" && m != "PUT" && m != "PATCH" && m != "DELETE") {
    HttpResponse r = problem(405, "/items/{id} supports GET, PUT, PATCH and DELETE");
    r.headers["allow"] = "DELETE, GET, PATCH, PUT";
    return r;
  }
  if (!is_valid_id(*id)) {
    return problem(400, "invalid id: use 1-128 characters from A-Z a-z 0-9 . _ ~ -");
  }
  if (m == "GET") return get_item(request, *id);
  if (m == "PUT") return put_item(request, *id);
  if (m == "PATCH") return patch_item(request, *id);
  return delete_item(request, *id);
}

HttpResponse ItemsApi::get_item(const ApiRequest& request, const std::string& id) {
  const std::string* inm = header(request, "if-none-match");
  auto answer = [&](int status, std::string body, std::optional<Version> version,
                    std::string_view cache_status) {
    HttpResponse r;
    if (status == 404) {
      r = problem(404, "item " + id + " does not exist");
    } else if (inm != nullptr && if_none_match_matches(*inm, version)) {
      r.status_code = 304;
    } else {
      r = json_response(200, std::move(body));
    }
    if (version && status != 404) r.headers["etag"] = etag_of(*version);
    r.headers["cache-status"] = cache_status;
    return r;
  };

  bool cache_ok = cache_ != nullptr;
  if (cache_ != nullptr) {
    auto cached = cache_->get(id);
    if (!cached) {
      cache_ok = false;
      ++stats_.cache_errors;
      logging::warn("cache read failed; reading DynamoDB",
                    {{"id", id}, {"error", cache::describe(cached.error())}});
    } else if (cached->status == cache::GetResult::Status::hit) {
      ++stats_.cache_hits;
      return answer(200, std::move(cached->body), cached->version, kHitStatus);
    } else if (cached->status == cache::GetResult::Status::not_found) {
      ++stats_.cache_hits;
      return answer(404, {}, std::nullopt, kHitStatus);
    }
  }
  ++stats_.cache_misses;
  auto started = std::chrono::steady_clock::now();
  auto stored = store_.get(id);
  stats_.dynamodb_ms +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!stored) return store_problem(stored.error());

  std::string status = cache_ == nullptr ? "streamcache; fwd=uri-miss"
                       : cache_ok        ? "streamcache; fwd=miss"
                                         : std::string(kUnavailableStatus);
  auto fill = [&](const Expected<cache::WriteResult, cache::Error>& result) {
    if (!result) {
      ++stats_.cache_errors;
      status = kUnavailableStatus;
      logging::warn("cache fill failed", {{"id", id}, {"error", cache::describe(result.error())}});
    } else if (*result == cache::WriteResult::applied) {
      ++stats_.cache_fills;
      status += "; stored";
    } else {
      ++stats_.stale_fills;  // a newer write landed in the cache meanwhile: it wins
    }
  };
  if (!stored->has_value()) {
    if (cache_ok) fill(cache_->fill_negative(id));
    return answer(404, {}, std::nullopt, status);
  }
  auto parsed_version = version_of(**stored);
  if (is_deleted_marker(**stored)) {
    // The marker's version beats every fill that read the item before its delete.
    if (cache_ok && parsed_version) fill(cache_->tombstone_if_newer(id, *parsed_version));
    return answer(404, {}, std::nullopt, status);
  }
  std::string body = json::serialize(canonical(std::move(**stored)));
  // Unversioned items (written by other tools) are served but not cached: no version orders them.
  if (cache_ok && parsed_version) fill(cache_->apply_if_newer(id, *parsed_version, body));
  return answer(200, std::move(body), parsed_version.value_or(0), status);
}

void ItemsApi::write_through(const std::string& id, Version version, const std::string& body) {
  if (cache_ == nullptr || !options_.write_through) return;
  auto result = cache_->apply_if_newer(id, version, body);
  if (!result) {
    ++stats_.cache_errors;
    logging::warn("cache write-through failed; the stream handler will apply it",
                  {{"id", id}, {"error", cache::describe(result.error())}});
  }
}

void ItemsApi::tombstone_through(const std::string& id, Version version) {
  if (cache_ == nullptr) return;
  auto result = cache_->tombstone_if_newer(id, version);
  if (!result) {
    ++stats_.cache_errors;
    logging::warn("cache tombstone failed; the stream handler will apply it",
                  {{"id", id}, {"error", cache::describe(result.error())}});
  }
}

Expected<void, StoreError> ItemsApi::write_row(const json::Value& row, const std::string& text,
                                               WriteCondition condition) {
  auto written = store_.put(row, condition);
  if (written || written.error().kind != StoreError::Kind::conflict) return written;
  const auto& current = written.error().current;
  if (current && json::serialize(canonical(*current)) == text) {
    logging::info("a retried write found its own first attempt committed",
                  {{"id", std::string(*row.get_string("id"))}});
    return {};
  }
  return written;
}

HttpResponse ItemsApi::create_item(const ApiRequest& request) {
  auto body = parse_body(request, false);
  if (!body) return std::move(body.error());
  if (auto valid = validate_user_document(*body, std::nullopt); !valid) {
    return problem(400, valid.error());
  }
  std::string id;
  if (auto given = body->get_string("id")) {
    id = *given;
  } else {
    id = random_uuid();
  }
  std::optional<Version> floor;  // a deleted marker's version, once one is met
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::int64_t now = now_us();
    Version version = next_version(floor, now);
    json::Value item = *body;
    item.set("id", id);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    item.set("createdAt", format_timestamp(now));
    item.set("updatedAt", format_timestamp(now));
    auto text = storable_text(item);
    if (!text) return std::move(text.error());
    auto written = write_row(item, *text, {WriteCondition::Kind::creatable, 0});
    if (written) {
      write_through(id, version, *text);
      HttpResponse r = json_response(201, std::move(*text));
      r.headers["location"] = "/items/" + id;
      return with_etag(std::move(r), version);
    }
    if (written.error().kind != StoreError::Kind::conflict) return store_problem(written.error());
    const auto& current = written.error().current;
    if (is_live(current))
      return problem(409, "item " + id + " already exists; use PUT to replace it");
    // A deleted marker at or above this writer's clock: versions must keep increasing.
    if (current) floor = current_version(*current);
  }
  return problem(409, "item " + id + " is being changed concurrently; retry the request");
}

HttpResponse ItemsApi::put_item(const ApiRequest& request, const std::string& id) {
  auto body = parse_body(request, false);
  if (!body) return std::move(body.error());
  if (auto valid = validate_user_document(*body, id); !valid) return problem(400, valid.error());
  const std::string* if_match = header(request, "if-match");
  auto current = store_.get(id);
  if (!current) return store_problem(current.error());
  std::optional<json::Value> row = std::move(*current);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    const bool live = is_live(row);
    // A deleted marker's version is the floor of the re-create.
    std::optional<Version> previous;
    if (row) previous = current_version(*row);
    if (if_match != nullptr && !if_match_matches(*if_match, live ? previous : std::nullopt)) {
      return problem(412, "If-Match does not match the current ETag of item " + id);
    }
    std::int64_t now = now_us();
    Version version = next_version(previous, now);
    json::Value item = *body;
    item.set("id", id);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    std::string created = format_timestamp(now);
    if (live) {
      if (auto c = row->get_string("createdAt")) created = *c;
    }
    item.set("createdAt", created);
    item.set("updatedAt", format_timestamp(now));
    auto text = storable_text(item);
    if (!text) return std::move(text.error());
    auto written = write_row(item, *text, unchanged(row));
    if (written) {
      write_through(id, version, *text);
      HttpResponse r = json_response(live ? 200 : 201, std::move(*text));
      if (!live) r.headers["location"] = "/items/" + id;
      return with_etag(std::move(r), version);
    }
    if (written.error().kind != StoreError::Kind::conflict) return store_problem(written.error());
    if (if_match != nullptr) {
      return problem(412, "item " + id + " changed; If-Match no longer matches");
    }
    row = std::move(written.error().current);  // another writer won this round: go again on theirs
  }
  return problem(409, "item " + id + " is being changed concurrently; retry the request");
}

HttpResponse ItemsApi::patch_item(const ApiRequest& request, const std::string& id) {
  auto patch = parse_body(request, true);
  if (!patch) return std::move(patch.error());
  for (const auto& m : patch->as_object()) {
    if (is_server_owned(m.name)) {
      return problem(400, "`" + m.name + "` is owned by the server and cannot be changed");
    }
  }
  const std::string* if_match = header(request, "if-match");
  auto current = store_.get(id);
  if (!current) return store_problem(current.error());
  std::optional<json::Value> row = std::move(*current);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    if (!is_live(row)) return problem(404, "item " + id + " does not exist");
    Version previous = current_version(*row);
    if (if_match != nullptr && !if_match_matches(*if_match, previous)) {
      return problem(412, "If-Match does not match the current ETag of item " + id);
    }
    const WriteCondition condition = unchanged(row);
    json::Value item = merge_patch(*row, *patch);
    if (auto valid = validate_storable(item); !valid) return problem(400, valid.error());
    std::int64_t now = now_us();
    Version version = next_version(previous, now);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    item.set("updatedAt", format_timestamp(now));
    if (!item.get_string("createdAt")) item.set("createdAt", format_timestamp(now));
    auto text = storable_text(item);
    if (!text) return std::move(text.error());
    auto written = write_row(item, *text, condition);
    if (written) {
      write_through(id, version, *text);
      return with_etag(json_response(200, std::move(*text)), version);
    }
    if (written.error().kind != StoreError::Kind::conflict) return store_problem(written.error());
    if (if_match != nullptr) {
      return problem(412, "item " + id + " changed; If-Match no longer matches");
    }
    row = std::move(written.error().current);
  }
  return problem(409, "item " + id + " is being changed concurrently; retry the request");
}

HttpResponse ItemsApi::delete_item(const ApiRequest& request, const std::string& id) {
  const std::string* if_match = header(request, "if-match");
  std::optional<Version> floor;  // the live item's version, once known
  WriteCondition condition{WriteCondition::Kind::live_below, 0};
  if (if_match != nullptr) {
    auto current = store_.get(id);
    if (!current) return store_problem(current.error());
    if (!is_live(*current)) return problem(404, "item " + id + " does not exist");
    floor = current_version(**current);
    if (!if_match_matches(*if_match, floor)) {
      return problem(412, "If-Match does not match the current ETag of item " + id);
    }
    condition = unchanged(*current);
  }
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::int64_t now = now_us();
    // Above the deleted version: it beats every fill that read the item before the delete.
    Version version = next_version(floor, now);
    json::Value marker = deleted_marker(id, version, now);
    std::string text = json::serialize(marker);  // members already in canonical order
    auto written = write_row(marker, text, condition);
    if (written) {
      tombstone_through(id, version);
      HttpResponse r;
      r.status_code = 204;
      return r;
    }
    if (written.error().kind != StoreError::Kind::conflict) return store_problem(written.error());
    const auto& current = written.error().current;
    if (!is_live(current)) return problem(404, "item " + id + " does not exist");
    if (if_match != nullptr) {
      return problem(412, "item " + id + " changed; If-Match no longer matches");
    }
    floor = current_version(*current);  // a version at or above this writer's clock
  }
  return problem(409, "item " + id + " is being changed concurrently; retry the request");
}

HttpResponse ItemsApi::list_items(const ApiRequest& request) {
  int limit = 25;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    const std::string& text = it->second;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || ptr != text.data() + text.size() || limit < 1 || limit > 100) {
      return problem(400, "limit must be an integer from 1 to 100");
    }
  }
  std::optional<std::string> start;
  if (auto it = request.query.find("cursor"); it != request.query.end()) {
    start = decode_cursor(it->second);
    if (!start) return problem(400, "cursor is not one this API returned");
  }
  auto page = store_.list(limit, start);
  if (!page) return store_problem(page.error());
  json::Array items;
  items.reserve(page->items.size());
  for (auto& item : page->items)
    items.push_back(canonical(std::move(item)));
  json::Value body(json::Object{});
  body.set("items", std::move(items));
  body.set("nextCursor",
           page->last_id ? json::Value(encode_cursor(*page->last_id)) : json::Value(nullptr));
  return json_response(200, json::serialize(body));
}

}  // namespace streamcache::items
