#include "local/http_api_event.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/utf8.h"
#include "json/json.h"

namespace streamcache::local {

namespace events = lambda::events;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// RFC 9110 token: what a header name may be.
bool is_token(std::string_view name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](unsigned char c) {
    return std::isalnum(c) != 0 || kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// CR or LF would end the header on the wire (response splitting); NUL is never valid.
bool is_field_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool is_text_type(std::string_view content_type) {
  const std::string t = lower(content_type);
  if (t.empty()) return true;  // no type: API Gateway passes text through
  return t.starts_with("text/") || t.find("json") != std::string::npos ||
         t.find("xml") != std::string::npos || t.find("javascript") != std::string::npos ||
         t.starts_with("application/x-www-form-urlencoded");
}

void join_into(events::StringMap& map, const std::string& key, std::string_view value) {
  auto [it, inserted] = map.try_emplace(key, value);
  if (!inserted) {
    it->second += ',';
    it->second += value;
  }
}

}  // namespace

std::string format_request_time(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return std::string(buffer, n);
}

events::HttpApiRequest build_http_api_event(const GatewayRequest& request,
                                            const RouteMatch& route) {
  events::HttpApiRequest e;
  e.route_key = route.route_key;
  e.path_parameters = route.path_parameters;
  const auto question = request.target.find('?');
  e.raw_path = request.target.substr(0, question);
  if (question != std::string::npos) e.raw_query_string = request.target.substr(question + 1);

  std::string_view query = e.raw_query_string;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string name = percent_decode(pair.substr(0, eq), true);
    const std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    join_into(e.query_string_parameters, name, value);
  }

  std::string content_type;
  for (const auto& [name, value] : request.headers) {
    const std::string key = lower(name);
    if (key == "cookie") {  // payload 2.0 moves cookies out of the headers
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto semi = rest.find(';');
        const std::string_view cookie = trim(rest.substr(0, semi));
        if (!cookie.empty()) e.cookies.emplace_back(cookie);
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      }
      continue;
    }
    if (key == "content-type") content_type = value;
    join_into(e.headers, key, value);
  }
  e.headers.try_emplace("x-forwarded-for", request.source_ip);
  e.headers.try_emplace("x-forwarded-port", std::to_string(request.local_port));
  e.headers.try_emplace("x-forwarded-proto", "http");

  auto& c = e.request_context;
  c.account_id = request.account_id;
  c.api_id = request.api_id;
  const auto host = e.headers.find("host");
  c.domain_name = host != e.headers.end() ? host->second : "localhost";
  c.domain_prefix = c.domain_name.substr(0, c.domain_name.find_first_of(".:"));
  c.request_id = request.request_id;
  c.route_key = route.route_key;
  c.stage = "$default";
  c.time = format_request_time(request.time);
  c.time_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(request.time.time_since_epoch())
          .count();
  c.http.method = request.method;
  c.http.path = e.raw_path;
  c.http.protocol = "HTTP/1.1";
  c.http.source_ip = request.source_ip;
  const auto agent = e.headers.find("user-agent");
  c.http.user_agent = agent != e.headers.end() ? agent->second : "";

  if (!request.body.empty()) {
    if (is_text_type(content_type) && is_valid_utf8(request.body)) {
      e.body = request.body;
    } else {
      e.body = events::encode_base64(request.body);
      e.is_base64_encoded = true;
    }
  }
  return e;
}

Expected<GatewayResponse, std::string> response_from_function(std::string_view payload) {
  auto doc = json::parse(payload);
  if (!doc) return unexpected("the function's response is not JSON: " + doc.error().message);
  GatewayResponse out;
  if (!doc->is_object() || doc->find("statusCode") == nullptr) {
    out.headers.emplace_back("content-type", "application/json");
    out.body = std::string(payload);
    return out;
  }
  auto response = events::read_http_response(*doc);
  if (!response) return unexpected("malformed function response: " + response.error().message);
  out.status = response->status_code;
  for (const auto& [name, value] : response->headers)
    out.headers.emplace_back(name, value);
  for (const auto& [name, values] : response->multi_value_headers) {
    for (const auto& value : values)
      out.headers.emplace_back(name, value);
  }
  for (const auto& cookie : response->cookies)
    out.headers.emplace_back("set-cookie", cookie);
  // The gateway writes these as they are: a bad one is a malformed response (502), not a header.
  for (const auto& [name, value] : out.headers) {
    if (!is_token(name)) {
      return unexpected("malformed function response: header name \"" + name +
                        "\" is not an HTTP token");
    }
    if (!is_field_value(value)) {
      return unexpected("malformed function response: header \"" + name +
                        "\" has a value with CR, LF or NUL");
    }
  }
  if (response->is_base64_encoded) {
    auto bytes = events::decode_base64(response->body);
    if (!bytes) return unexpected(std::string("malformed function response: body is not base64"));
    out.body = std::move(*bytes);
  } else {
    out.body = std::move(response->body);
  }
  return out;
}

GatewayResponse gateway_error(int status, std::string_view message) {
  GatewayResponse out;
  out.status = status;
  out.headers.emplace_back("content-type", "application/json");
  std::string body = "{\"message\":";
  json::append_quoted(body, message);
  body += '}';
  out.body = std::move(body);
  return out;
}

}  // namespace streamcache::local
