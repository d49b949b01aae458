#include "items/http.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "items/api_event_sax.h"
#include "items/item.h"

namespace streamcache::items {

namespace events = lambda::events;
using events::HttpResponse;

namespace {

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

}  // namespace

const std::string* header(const ApiRequest& request, std::string_view name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? nullptr : &it->second;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status_code = status;
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

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

Expected<ApiRequest, std::string> api_request_from_event_tree(std::string_view event_json) {
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
  return detail::http_api_request(std::move(request->request_context.http.method),
                                  std::move(request->raw_path), request->request_context.stage,
                                  request->headers, std::move(request->query_string_parameters),
                                  std::move(*body));
}

Expected<ApiRequest, std::string> api_request_from_event(std::string_view event_json) {
  // The one-pass reader takes the common event; the tree reader any other, and every error.
  if (auto fast = detail::read_http_api_event_sax(event_json)) return std::move(*fast);
  return api_request_from_event_tree(event_json);
}

}  // namespace streamcache::items
