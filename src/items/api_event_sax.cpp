#include "items/api_event_sax.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "common/utf8.h"
#include "json/json.h"

namespace streamcache::items::detail {

namespace {

using lambda::events::StringMap;

// Where the reader is: the objects whose members it knows, and what it only checks or skips.
enum class Frame : std::uint8_t {
  root,
  context,  // requestContext
  http,     // requestContext.http
  headers,  // string maps: string or null members
  query,
  other_map,  // pathParameters, stageVariables: checked, not kept
  cookies,    // an array of strings
  any,        // authorizer, authentication and unknown members: any JSON at all
};

// The members the tree reader looks at (each belongs to one object), and what it accepts for them:
// the type named in the comment, or null (absent). Fewer than 64: one bit each in a mask.
enum class Field : std::uint8_t {
  unknown,
  // the event
  version,  // string, "2.0"
  route_key,
  raw_path,  // required
  raw_query_string,
  cookies,  // array of strings
  headers,  // objects of strings (or null)
  query,
  path_parameters,
  stage_variables,
  body,
  is_base64,        // boolean
  request_context,  // required object
  // requestContext
  account_id,
  api_id,
  domain_name,
  domain_prefix,
  request_id,
  context_route_key,
  stage,
  time,
  time_epoch,  // integer
  authorizer,  // object of anything
  authentication,
  http,  // required object
  // requestContext.http
  method,  // required
  http_path,
  protocol,
  source_ip,
  user_agent,
};

Field root_field(std::string_view key) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"version", Field::version},
      {"routeKey", Field::route_key},
      {"rawPath", Field::raw_path},
      {"rawQueryString", Field::raw_query_string},
      {"cookies", Field::cookies},
      {"headers", Field::headers},
      {"queryStringParameters", Field::query},
      {"pathParameters", Field::path_parameters},
      {"stageVariables", Field::stage_variables},
      {"body", Field::body},
      {"isBase64Encoded", Field::is_base64},
      {"requestContext", Field::request_context}};
  for (const auto& [name, field] : kFields) {
    if (key == name) return field;
  }
  return Field::unknown;
}

Field context_field(std::string_view key) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"accountId", Field::account_id},
      {"apiId", Field::api_id},
      {"domainName", Field::domain_name},
      {"domainPrefix", Field::domain_prefix},
      {"requestId", Field::request_id},
      {"routeKey", Field::context_route_key},
      {"stage", Field::stage},
      {"time", Field::time},
      {"timeEpoch", Field::time_epoch},
      {"authorizer", Field::authorizer},
      {"authentication", Field::authentication},
      {"http", Field::http}};
  for (const auto& [name, field] : kFields) {
    if (key == name) return field;
  }
  return Field::unknown;
}

Field http_field(std::string_view key) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"method", Field::method},
      {"path", Field::http_path},
      {"protocol", Field::protocol},
      {"sourceIp", Field::source_ip},
      {"userAgent", Field::user_agent}};
  for (const auto& [name, field] : kFields) {
    if (key == name) return field;
  }
  return Field::unknown;
}

bool is_object_frame(Frame f) {
  return f == Frame::root || f == Frame::context || f == Frame::http;
}

class EventHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, EventHandler> {
 public:
  explicit EventHandler(bool check_strings) : check_strings_(check_strings) {}

  // Null is an absent member everywhere but in cookies, which must hold strings only.
  bool Null() { return frame() != Frame::cookies && value_done(); }
  bool Bool(bool b) {
    if (!scalar_allowed()) return false;
    if (field_ == Field::is_base64) {
      is_base64_ = b;
      return value_done();
    }
    return field_ == Field::unknown && value_done();
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (!scalar_allowed()) return false;
    if (field_ == Field::time_epoch) {
      return json::to_int64(json::Number{std::string(text, length)}) && value_done();
    }
    return field_ == Field::unknown && value_done();
  }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const std::string_view s(text, length);
    if (check_strings_ && !is_valid_utf8(s)) return false;
    switch (frame()) {
      case Frame::headers:
        headers_.emplace(pending_key_, s);
        return value_done();
      case Frame::query:
        query_.emplace(pending_key_, s);
        return value_done();
      case Frame::other_map:
      case Frame::cookies:
      case Frame::any:
        return value_done();
      case Frame::root:
      case Frame::context:
      case Frame::http:
        break;
    }
    switch (field_) {
      case Field::version:
        if (s != "2.0") return false;
        break;
      case Field::raw_path:
        raw_path_.assign(s);
        has_raw_path_ = true;
        break;
      case Field::body:
        body_.assign(s);
        break;
      case Field::stage:
        stage_.assign(s);
        break;
      case Field::method:
        method_.assign(s);
        has_method_ = true;
        break;
      case Field::unknown:
      case Field::route_key:
      case Field::raw_query_string:
      case Field::account_id:
      case Field::api_id:
      case Field::domain_name:
      case Field::domain_prefix:
      case Field::request_id:
      case Field::context_route_key:
      case Field::time:
      case Field::http_path:
      case Field::protocol:
      case Field::source_ip:
      case Field::user_agent:
        break;
      default:
        return false;  // a string where the member is another type
    }
    return value_done();
  }
  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const std::string_view key(text, length);
    if (check_strings_ && !is_valid_utf8(key)) return false;
    const Frame f = frame();
    field_ = Field::unknown;
    if (f == Frame::headers || f == Frame::query) {
      pending_key_.assign(key);  // copied: the value's text may reuse the reader's buffer
      return true;
    }
    if (!is_object_frame(f)) return true;
    if (f == Frame::root && key == "httpMethod") return false;  // REST v1: the tree reader's
    field_ = f == Frame::root      ? root_field(key)
             : f == Frame::context ? context_field(key)
                                   : http_field(key);
    // The tree reader reads a member's first occurrence: later ones are skipped unchecked.
    const std::uint64_t bit = std::uint64_t{1} << static_cast<unsigned>(field_);
    if ((seen_ & bit) != 0) field_ = Field::unknown;
    seen_ |= bit;
    return true;
  }
  bool StartObject() {
    if (stack_.size() >= json::kMaxDepth) return false;
    if (stack_.empty()) return push(Frame::root);
    const Frame f = frame();
    if (f == Frame::any) return push(Frame::any);
    if (!is_object_frame(f)) return false;  // maps and cookies hold strings only
    switch (field_) {
      case Field::headers:
        return push(Frame::headers);
      case Field::query:
        return push(Frame::query);
      case Field::path_parameters:
      case Field::stage_variables:
        return push(Frame::other_map);
      case Field::request_context:
        has_context_ = true;
        return push(Frame::context);
      case Field::http:
        has_http_ = true;
        return push(Frame::http);
      case Field::authorizer:
      case Field::authentication:
      case Field::unknown:
        return push(Frame::any);
      default:
        return false;
    }
  }
  bool EndObject(rapidjson::SizeType /*count*/) { return pop(); }
  bool StartArray() {
    if (stack_.empty() || stack_.size() >= json::kMaxDepth) return false;
    const Frame f = frame();
    if (f == Frame::any) return push(Frame::any);
    if (!is_object_frame(f)) return false;
    if (field_ == Field::cookies) return push(Frame::cookies);
    return field_ == Field::unknown && push(Frame::any);
  }
  bool EndArray(rapidjson::SizeType /*count*/) { return pop(); }
  bool Default() { return false; }  // numbers arrive as RawNumber

  std::optional<ApiRequest> finish() {
    if (!has_raw_path_ || !has_context_ || !has_http_ || !has_method_) return std::nullopt;
    if (is_base64_) {
      auto decoded = lambda::events::decode_base64(body_);
      if (!decoded) return std::nullopt;
      body_ = std::move(*decoded);
    }
    return http_api_request(std::move(method_), std::move(raw_path_), stage_, headers_,
                            std::move(query_), std::move(body_));
  }

 private:
  [[nodiscard]] Frame frame() const { return stack_.empty() ? Frame::any : stack_.back(); }
  // Booleans and numbers: never in string maps or cookies, nor as the whole event.
  [[nodiscard]] bool scalar_allowed() const {
    const Frame f = frame();
    return !stack_.empty() && f != Frame::headers && f != Frame::query && f != Frame::other_map &&
           f != Frame::cookies;
  }
  bool push(Frame f) {
    stack_.push_back(f);
    field_ = Field::unknown;
    return true;
  }
  bool pop() {
    stack_.pop_back();
    return value_done();
  }
  bool value_done() {
    field_ = Field::unknown;
    return true;
  }

  bool check_strings_;
  std::vector<Frame> stack_;
  Field field_ = Field::unknown;  // the member whose value comes next
  std::string pending_key_;       // the current string map member's name
  std::uint64_t seen_ = 0;        // known members already met, one bit per Field
  std::string raw_path_, body_, stage_, method_;
  StringMap headers_, query_;
  bool has_raw_path_ = false, has_context_ = false, has_http_ = false, has_method_ = false;
  bool is_base64_ = false;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

ApiRequest http_api_request(std::string method, std::string path, std::string_view stage,
                            const StringMap& headers, StringMap query, std::string body) {
  ApiRequest out;
  out.method = std::move(method);
  out.path = std::move(path);
  // A custom stage shows up in rawPath ("/prod/items"); $default does not.
  if (!stage.empty() && stage != "$default" && out.path.size() > stage.size() + 1 &&
      out.path[0] == '/' && out.path.compare(1, stage.size(), stage) == 0 &&
      out.path[stage.size() + 1] == '/') {
    out.path.erase(0, stage.size() + 1);
  }
  for (const auto& [k, v] : headers)
    out.headers[lower(k)] = v;
  out.query = std::move(query);
  out.body = std::move(body);
  return out;
}

std::optional<ApiRequest> read_http_api_event_sax(std::string_view event_json) {
  // As json::parse: strings are checked for UTF-8 only when the text could decode to anything else.
  const bool check_strings = event_json.find("\\u") != std::string_view::npos ||
                             ascii_prefix_length(event_json) != event_json.size();
  EventHandler handler(check_strings);
  rapidjson::MemoryStream stream(event_json.data(), event_json.size());
  rapidjson::Reader reader;
  // Recursive descent: StartObject/StartArray refuse nesting beyond json::kMaxDepth first.
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag;
  if (reader.Parse<kFlags>(stream, handler).IsError()) return std::nullopt;
  return handler.finish();
}

}  // namespace streamcache::items::detail
