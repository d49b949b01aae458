#include "items/api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>

#include "aws/attribute_value.h"
#include "lambda/runtime.h"

namespace streamcache::items {

namespace events = lambda::events;
using events::HttpResponse;

namespace {

// Concurrent writers without If-Match: re-read and retry this often before answering 409.
constexpr int kWriteAttempts = 3;

constexpr std::string_view kHitStatus = "streamcache; hit";
constexpr std::string_view kUnavailableStatus = "streamcache; fwd=miss; detail=cache-unavailable";

std::string_view reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const std::string* header(const ApiRequest& request, std::string_view name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? nullptr : &it->second;
}

// The media type without parameters, lower-cased ("application/json; charset=utf-8" → ...).
std::string media_type(const ApiRequest& request) {
  const std::string* value = header(request, "content-type");
  if (value == nullptr) return {};
  std::string type = lower(value->substr(0, value->find(';')));
  while (!type.empty() && type.back() == ' ')
    type.pop_back();
  return type;
}

bool is_json_type(const std::string& type) {
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status_code = status;
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

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
  lambda::log_error("storage error", {{"error", error.message}});
  return problem(500, "internal storage error");
}

// Parses the body of a write: JSON object, checked content type. nullopt + response on error.
Expected<json::Value, HttpResponse> parse_body(const ApiRequest& request, bool merge_patch) {
  std::string type = media_type(request);
  if (merge_patch ? type != "application/merge-patch+json" : !is_json_type(type)) {
    return unexpected(
        problem(415, merge_patch ? "PATCH needs Content-Type: application/merge-patch+json"
                                 : "the body must be sent with Content-Type: application/json"));
  }
  auto parsed = json::parse(request.body);
  if (!parsed) return unexpected(problem(400, "malformed JSON: " + parsed.error().message));
  if (!parsed->is_object()) return unexpected(problem(400, "the body must be a JSON object"));
  return std::move(*parsed);
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || ptr != text.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

// Unversioned items (written by other tools) count as version 0 for ETags and the version rule.
Version current_version(const json::Value& item) {
  return version_of(item).value_or(0);
}

WriteCondition condition_for(const std::optional<json::Value>& current) {
  if (!current) return {WriteCondition::Kind::absent, 0};
  if (auto v = version_of(*current)) return {WriteCondition::Kind::version_equals, *v};
  return {WriteCondition::Kind::unversioned, 0};
}

}  // namespace

HttpResponse problem(int status, std::string_view detail) {
  json::Value body(json::Object{});
  body.set("type", "about:blank");
  body.set("title", reason(status));
  body.set("status", json::Value::integer(status));
  body.set("detail", detail);
  HttpResponse r;
  r.status_code = status;
  r.headers["content-type"] = "application/problem+json";
  r.body = json::serialize(body);
  return r;
}

std::string encode_cursor(std::string_view last_id) {
  std::string b = events::encode_base64(last_id);
  while (!b.empty() && b.back() == '=')
    b.pop_back();
  std::replace(b.begin(), b.end(), '+', '-');
  std::replace(b.begin(), b.end(), '/', '_');
  return b;
}

std::optional<std::string> decode_cursor(std::string_view cursor) {
  std::string b(cursor);
  std::replace(b.begin(), b.end(), '-', '+');
  std::replace(b.begin(), b.end(), '_', '/');
  while (b.size() % 4 != 0)
    b.push_back('=');
  auto id = events::decode_base64(b);
  if (!id || !is_valid_id(*id)) return std::nullopt;
  return id;
}

Expected<ApiRequest, std::string> api_request_from_event(std::string_view event_json) {
  auto parsed = json::parse(event_json);
  if (!parsed) return unexpected("the event is not JSON: " + parsed.error().message);
  ApiRequest out;
  const json::Value& event = *parsed;
  if (event.find("httpMethod") != nullptr) {
    auto request = events::read_rest_api_request(event);
    if (!request) return unexpected(request.error().message);
    auto body = events::decoded_body(*request);
    if (!body) return unexpected(body.error().message);
    out.method = request->http_method;
    out.path = request->path;
    for (const auto& [k, v] : request->headers)
      out.headers[lower(k)] = v;
    out.query = request->query_string_parameters;
    out.body = std::move(*body);
    return out;
  }
  auto request = events::read_http_api_request(event);
  if (!request) return unexpected(request.error().message);
  auto body = events::decoded_body(*request);
  if (!body) return unexpected(body.error().message);
  out.method = request->request_context.http.method;
  out.path = request->raw_path;
  // A custom stage shows up in rawPath ("/prod/items"); $default does not.
  const std::string& stage = request->request_context.stage;
  if (!stage.empty() && stage != "$default" && out.path.starts_with("/" + stage + "/")) {
    out.path.erase(0, stage.size() + 1);
  }
  for (const auto& [k, v] : request->headers)
    out.headers[lower(k)] = v;
  out.query = request->query_string_parameters;
  out.body = std::move(*body);
  return out;
}

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
      lambda::log_warn("undecodable API event", {{"error", request.error()}});
      response = problem(400, "the request could not be read: " + request.error());
    } else {
      response = handle(*request);
    }
  } catch (const std::exception& e) {
    // No input may crash the function: a bug answers 500 and the next invocation goes on.
    lambda::log_error("unhandled exception", {{"error", e.what()}});
    response = problem(500, "internal error");
  } catch (...) {
    lambda::log_error("unhandled non-standard exception");
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
      lambda::log_warn("cache read failed; reading DynamoDB",
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
      lambda::log_warn("cache fill failed",
                       {{"id", id}, {"error", cache::describe(result.error())}});
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
  std::string body = json::serialize(canonical(std::move(**stored)));
  // Unversioned items (written by other tools) are served but not cached: no version orders them.
  if (cache_ok && parsed_version) fill(cache_->apply_if_newer(id, *parsed_version, body));
  return answer(200, std::move(body), parsed_version.value_or(0), status);
}

std::optional<Version> ItemsApi::recreate_floor(const std::string& id) {
  if (cache_ == nullptr) return std::nullopt;
  auto cached = cache_->get(id);
  if (!cached || cached->status != cache::GetResult::Status::not_found || cached->version == 0) {
    return std::nullopt;
  }
  // A clock behind the deleted version would give the new item a version the tombstone (and the
  // stream's REMOVE) beats; versions must keep increasing across delete and re-create.
  return cached->version - 1;
}

void ItemsApi::write_through(const std::string& id, Version version, const std::string& body) {
  if (cache_ == nullptr || !options_.write_through) return;
  auto result = cache_->apply_if_newer(id, version, body);
  if (!result) {
    ++stats_.cache_errors;
    lambda::log_warn("cache write-through failed; the stream handler will apply it",
                     {{"id", id}, {"error", cache::describe(result.error())}});
  }
}

Expected<std::string, std::optional<HttpResponse>> ItemsApi::try_write(
    const std::string& id, json::Value item, Version version, WriteCondition condition,
    const std::string* if_match) {
  item = canonical(std::move(item));
  std::string text = json::serialize(item);
  if (text.size() > kMaxItemBytes) {
    return unexpected(
        std::optional(problem(413, "the item exceeds DynamoDB's 400 KB item size limit")));
  }
  auto written = store_.put(item, condition);
  if (!written) {
    if (written.error().kind != StoreError::Kind::conflict) {
      return unexpected(std::optional(store_problem(written.error())));
    }
    if (if_match != nullptr) {
      return unexpected(
          std::optional(problem(412, "item " + id + " changed; If-Match no longer matches")));
    }
    return unexpected(std::optional<HttpResponse>());
  }
  write_through(id, version, text);
  return text;
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
  std::int64_t now = now_us();
  Version version = next_version(recreate_floor(id), now);
  json::Value item = std::move(*body);
  item.set("id", id);
  item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
  item.set("createdAt", format_timestamp(now));
  item.set("updatedAt", format_timestamp(now));
  item = canonical(std::move(item));
  std::string text = json::serialize(item);
  if (text.size() > kMaxItemBytes) {
    return problem(413, "the item exceeds DynamoDB's 400 KB item size limit");
  }
  auto written = store_.put(item, {WriteCondition::Kind::absent, 0});
  if (!written) {
    if (written.error().kind == StoreError::Kind::conflict) {
      return problem(409, "item " + id + " already exists; use PUT to replace it");
    }
    return store_problem(written.error());
  }
  write_through(id, version, text);
  HttpResponse r = json_response(201, std::move(text));
  r.headers["location"] = "/items/" + id;
  r.headers["etag"] = etag_of(version);
  return r;
}

HttpResponse ItemsApi::put_item(const ApiRequest& request, const std::string& id) {
  auto body = parse_body(request, false);
  if (!body) return std::move(body.error());
  if (auto valid = validate_user_document(*body, id); !valid) return problem(400, valid.error());
  const std::string* if_match = header(request, "if-match");
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    auto current = store_.get(id);
    if (!current) return store_problem(current.error());
    std::optional<Version> previous;
    if (current->has_value()) {
      previous = current_version(**current);
    } else {
      previous = recreate_floor(id);
    }
    if (if_match != nullptr &&
        !if_match_matches(*if_match, current->has_value() ? previous : std::nullopt)) {
      return problem(412, "If-Match does not match the current ETag of item " + id);
    }
    std::int64_t now = now_us();
    Version version = next_version(previous, now);
    json::Value item = *body;
    item.set("id", id);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    std::string created = format_timestamp(now);
    if (current->has_value()) {
      if (auto c = (*current)->get_string("createdAt")) created = *c;
    }
    item.set("createdAt", created);
    item.set("updatedAt", format_timestamp(now));
    auto text = try_write(id, std::move(item), version, condition_for(*current), if_match);
    if (!text) {
      if (text.error()) return std::move(*text.error());
      continue;  // another writer won this round: read again and retry
    }
    HttpResponse r = json_response(current->has_value() ? 200 : 201, std::move(*text));
    if (!current->has_value()) r.headers["location"] = "/items/" + id;
    r.headers["etag"] = etag_of(version);
    return r;
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
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    auto current = store_.get(id);
    if (!current) return store_problem(current.error());
    if (!current->has_value()) return problem(404, "item " + id + " does not exist");
    Version previous = current_version(**current);
    if (if_match != nullptr && !if_match_matches(*if_match, previous)) {
      return problem(412, "If-Match does not match the current ETag of item " + id);
    }
    json::Value item = merge_patch(**current, *patch);
    if (auto valid = validate_storable(item); !valid) return problem(400, valid.error());
    std::int64_t now = now_us();
    Version version = next_version(previous, now);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    item.set("updatedAt", format_timestamp(now));
    if (!item.get_string("createdAt")) item.set("createdAt", format_timestamp(now));
    auto text = try_write(id, std::move(item), version, condition_for(*current), if_match);
    if (!text) {
      if (text.error()) return std::move(*text.error());
      continue;
    }
    HttpResponse r = json_response(200, std::move(*text));
    r.headers["etag"] = etag_of(version);
    return r;
  }
  return problem(409, "item " + id + " is being changed concurrently; retry the request");
}

HttpResponse ItemsApi::delete_item(const ApiRequest& request, const std::string& id) {
  const std::string* if_match = header(request, "if-match");
  std::optional<Version> expected;
  if (if_match != nullptr) {
    auto current = store_.get(id);
    if (!current) return store_problem(current.error());
    if (!current->has_value()) return problem(404, "item " + id + " does not exist");
    Version v = current_version(**current);
    if (!if_match_matches(*if_match, v)) {
      return problem(412, "If-Match does not match the current ETag of item " + id);
    }
    expected = v;
  }
  auto removed = store_.remove(id, expected);
  if (!removed) {
    if (removed.error().kind != StoreError::Kind::conflict) return store_problem(removed.error());
    if (expected) return problem(412, "item " + id + " changed; If-Match no longer matches");
    return problem(404, "item " + id + " does not exist");
  }
  if (cache_ != nullptr) {
    // deleted + 1 beats every fill that read the item before the delete.
    Version tombstone = version_of(*removed).value_or(0) + 1;
    auto result = cache_->tombstone_if_newer(id, tombstone);
    if (!result) {
      ++stats_.cache_errors;
      lambda::log_warn("cache tombstone failed; the stream handler will apply it",
                       {{"id", id}, {"error", cache::describe(result.error())}});
    }
  }
  HttpResponse r;
  r.status_code = 204;
  return r;
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
