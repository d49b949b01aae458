#include "items/api.h"

#include <algorithm>
#include <charconv>
#include <exception>

#include "common/log.h"

namespace streamcache::items {

namespace events = lambda::events;
using events::HttpResponse;

namespace {

using Status = Outcome::Status;

int http_status(Status status) {
  switch (status) {
    case Status::ok:
      return 200;
    case Status::created:
      return 201;
    case Status::deleted:
      return 204;
    case Status::not_found:
      return 404;
    case Status::exists:
    case Status::conflict:
      return 409;
    case Status::precondition_failed:
      return 412;
    case Status::invalid:
      return 400;
    case Status::too_large:
      return 413;
    case Status::unavailable:
      return 503;
    case Status::internal:
      break;
  }
  return 500;
}

HttpResponse problem_of(Status status, std::string_view detail) {
  HttpResponse r = problem(http_status(status), detail);
  // A moved std::string: assigning the literal trips GCC 12 -O2 -Wrestrict (bug 105651).
  if (status == Status::unavailable) r.headers["retry-after"] = std::string("1");
  return r;
}

// A write's answer: the item with its ETag (and Location when created), 204, or a problem.
HttpResponse answer_write(Outcome outcome, const std::string& id) {
  if (outcome.status == Status::deleted) {
    HttpResponse r;
    r.status_code = 204;
    return r;
  }
  if (outcome.status != Status::ok && outcome.status != Status::created) {
    return problem_of(outcome.status, outcome.detail);
  }
  HttpResponse r = json_response(http_status(outcome.status), std::move(outcome.body));
  if (outcome.status == Status::created) r.headers["location"] = "/items/" + id;
  if (outcome.version) r.headers["etag"] = etag_of(*outcome.version);
  return r;
}

}  // namespace

std::chrono::milliseconds answer_budget(std::chrono::milliseconds remaining) {
  const auto margin = std::max(std::chrono::milliseconds(500), remaining / 10);
  return std::max(remaining - margin, std::chrono::milliseconds::zero());
}

std::string ItemsApi::handle_event(std::string_view event_json, Deadline deadline) {
  HttpResponse response;
  try {
    auto request = api_request_from_event(event_json);
    if (!request) {
      logging::warn("undecodable API event", {{"error", request.error()}});
      response = problem(400, "the request could not be read: " + request.error());
    } else {
      response = handle(*request, deadline);
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

HttpResponse ItemsApi::handle(const ApiRequest& request, Deadline deadline) {
  std::string_view path = request.path;
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  if (path == "/items") {
    if (request.method == "GET") return list_items(request, deadline);
    if (request.method == "POST") return create_item(request, deadline);
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
  if (m == "GET") return get_item(request, *id, deadline);
  if (m == "PUT") return put_item(request, *id, deadline);
  if (m == "PATCH") return patch_item(request, *id, deadline);
  return delete_item(request, *id, deadline);
}

HttpResponse ItemsApi::get_item(const ApiRequest& request, const std::string& id,
                                Deadline deadline) {
  Outcome read = operations_.read(id, deadline);
  HttpResponse r;
  if (read.status != Status::ok) {
    r = problem_of(read.status, read.detail);
  } else if (const std::string* inm = header(request, "if-none-match");
             inm != nullptr && if_none_match_matches(*inm, read.version)) {
    r.status_code = 304;
  } else {
    r = json_response(200, std::move(read.body));
  }
  if (read.status == Status::ok && read.version) r.headers["etag"] = etag_of(*read.version);
  if (!read.cache_status.empty()) r.headers["cache-status"] = std::move(read.cache_status);
  return r;
}

HttpResponse ItemsApi::create_item(const ApiRequest& request, Deadline deadline) {
  auto body = parse_body(request, false);
  if (!body) return std::move(body.error());
  if (auto valid = validate_user_document(*body, std::nullopt); !valid) {
    return problem(400, valid.error());
  }
  Outcome created = operations_.create(*body, deadline);
  const std::string id = created.id;
  return answer_write(std::move(created), id);
}

HttpResponse ItemsApi::put_item(const ApiRequest& request, const std::string& id,
                                Deadline deadline) {
  auto body = parse_body(request, false);
  if (!body) return std::move(body.error());
  if (auto valid = validate_user_document(*body, id); !valid) return problem(400, valid.error());
  return answer_write(operations_.replace(id, *body, header(request, "if-match"), deadline), id);
}

HttpResponse ItemsApi::patch_item(const ApiRequest& request, const std::string& id,
                                  Deadline deadline) {
  auto patch = parse_body(request, true);
  if (!patch) return std::move(patch.error());
  for (const auto& m : patch->as_object()) {
    if (is_server_owned(m.name)) {
      return problem(400, "`" + m.name + "` is owned by the server and cannot be changed");
    }
  }
  return answer_write(operations_.patch(id, *patch, header(request, "if-match"), deadline), id);
}

HttpResponse ItemsApi::delete_item(const ApiRequest& request, const std::string& id,
                                   Deadline deadline) {
  return answer_write(operations_.remove(id, header(request, "if-match"), deadline), id);
}

HttpResponse ItemsApi::list_items(const ApiRequest& request, Deadline deadline) {
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
  ListOutcome page = operations_.list(limit, std::move(start), deadline);
  if (page.status != Status::ok) return problem_of(page.status, page.detail);
  json::Value body(json::Object{});
  body.set("items", json::Array(std::move(page.items)));
  body.set("nextCursor",
           page.last_id ? json::Value(encode_cursor(*page.last_id)) : json::Value(nullptr));
  return json_response(200, json::serialize(body));
}

}  // namespace streamcache::items
