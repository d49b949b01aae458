#include "lambda/events/json_reader.h"

#include <array>
#include <cctype>
#include <cstdint>

namespace streamcache::lambda::events {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::optional<std::string_view> find_header(const StringMap& headers, std::string_view name) {
  if (auto exact = headers.find(name); exact != headers.end()) return exact->second;
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string encode_base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                            (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::array<int, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int>(i);
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int padding = 0;
    std::uint32_t n = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++padding;
        n <<= 6;
        continue;
      }
      const int v = table[static_cast<unsigned char>(c)];
      if (v < 0 || padding > 0) return std::nullopt;  // "=" only at the very end
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

namespace detail {

void ErrorSink::fail(std::string field, std::string_view problem) {
  if (error_) return;
  std::string message =
      (field.empty() ? std::string("event") : field) + ": " + std::string(problem);
  error_ = EventError{std::move(field), std::move(message)};
}

ObjectReader::ObjectReader(const json::Value* value, std::string path, ErrorSink& sink,
                           bool optional)
    : path_(std::move(path)), sink_(&sink) {
  if (value == nullptr || value->is_null()) {
    if (!optional) sink.fail(path_, "required object is missing");
    return;
  }
  if (!value->is_object()) {
    sink.fail(path_, "expected an object, got " + std::string(type_name(value->type())));
    return;
  }
  object_ = value;
}

std::string ObjectReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const json::Value* ObjectReader::member(std::string_view key) const {
  if (object_ == nullptr) return nullptr;
  const json::Value* v = object_->find(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

bool ObjectReader::expect(const json::Value& value, json::Type type, std::string_view key) {
  if (value.type() == type) return true;
  sink_->fail(path_of(key), "expected " + std::string(type_name(type)) + ", got " +
                                std::string(type_name(value.type())));
  return false;
}

std::string ObjectReader::string(std::string_view key) {
  return optional_string(key).value_or(std::string());
}

std::optional<std::string> ObjectReader::optional_string(std::string_view key) {
  const json::Value* v = member(key);
  if (v == nullptr || !expect(*v, json::Type::string, key)) return std::nullopt;
  return v->as_string();
}

std::string ObjectReader::required_string(std::string_view key) {
  if (member(key) == nullptr) {
    if (object_ != nullptr) sink_->fail(path_of(key), "required string is missing");
    return {};
  }
  return string(key);
}

bool ObjectReader::boolean(std::string_view key, bool fallback) {
  const json::Value* v = member(key);
  if (v == nullptr || !expect(*v, json::Type::boolean, key)) return fallback;
  return v->as_bool();
}

std::optional<std::int64_t> ObjectReader::read_integer(const json::Value& value,
                                                       std::string_view key) {
  if (!expect(value, json::Type::number, key)) return std::nullopt;
  auto n = json::to_int64(value.as_number());
  if (!n) sink_->fail(path_of(key), "expected an integer, got " + value.as_number().text);
  return n;
}

std::int64_t ObjectReader::integer(std::string_view key, std::int64_t fallback) {
  const json::Value* v = member(key);
  if (v == nullptr) return fallback;
  return read_integer(*v, key).value_or(fallback);
}

std::optional<std::int64_t> ObjectReader::required_integer(std::string_view key) {
  const json::Value* v = member(key);
  if (v == nullptr) {
    if (object_ != nullptr) sink_->fail(path_of(key), "required integer is missing");
    return std::nullopt;
  }
  return read_integer(*v, key);
}

std::optional<json::Number> ObjectReader::number(std::string_view key) {
  const json::Value* v = member(key);
  if (v == nullptr || !expect(*v, json::Type::number, key)) return std::nullopt;
  return v->as_number();
}

StringMap ObjectReader::string_map(std::string_view key) {
  StringMap out;
  const json::Value* v = member(key);
  if (v == nullptr || !expect(*v, json::Type::object, key)) return out;
  for (const auto& m : v->as_object()) {
    if (m.value.is_null()) continue;  // API Gateway writes null for some absent values
    if (!m.value.is_string()) {
      sink_->fail(path_of(key) + "." + m.name,
                  "expected a string, got " + std::string(type_name(m.value.type())));
      return out;
    }
    out.emplace(m.name, m.value.as_string());
  }
  return out;
}

MultiStringMap ObjectReader::multi_string_map(std::string_view key) {
  MultiStringMap out;
  const json::Value* v = member(key);
  if (v == nullptr || !expect(*v, json::Type::object, key)) return out;
  for (const auto& m : v->as_object()) {
    if (m.value.is_null()) continue;
    const std::string field = path_of(key) + "." + m.name;
    if (!m.value.is_array()) {
      sink_->fail(field,
                  "expected an array of strings, got " + std::string(type_name(m.value.type())));
      return out;
    }
    auto& values = out[m.name];
    for (const auto& element : m.value.as_array()) {
      if (!element.is_string()) {
        sink_->fail(
            field, "expected an array of strings, found " + std::string(type_name(element.type())));
        return out;
      }
      values.push_back(element.as_string());
    }
  }
  return out;
}

std::vector<std::string> ObjectReader::strings(std::string_view key) {
  std::vector<std::string> out;
  const json::Array* elements = array(key);
  if (elements == nullptr) return out;
  out.reserve(elements->size());
  for (const auto& element : *elements) {
    if (!element.is_string()) {
      sink_->fail(path_of(key),
                  "expected an array of strings, found " + std::string(type_name(element.type())));
      return {};
    }
    out.push_back(element.as_string());
  }
  return out;
}

json::Value ObjectReader::object_value(std::string_view key) {
  const json::Value* v = member(key);
  if (v == nullptr || !expect(*v, json::Type::object, key)) return {};
  return *v;
}

json::Value ObjectReader::any(std::string_view key) {
  const json::Value* v = object_ == nullptr ? nullptr : object_->find(key);
  return v == nullptr ? json::Value() : *v;
}

ObjectReader ObjectReader::object(std::string_view key, bool optional) {
  if (object_ == nullptr) return {nullptr, path_of(key), *sink_, true};
  return {object_->find(key), path_of(key), *sink_, optional};
}

const json::Array* ObjectReader::array(std::string_view key, bool optional) {
  const json::Value* v = member(key);
  if (v == nullptr) {
    if (!optional && object_ != nullptr) sink_->fail(path_of(key), "required array is missing");
    return nullptr;
  }
  if (!expect(*v, json::Type::array, key)) return nullptr;
  return &v->as_array();
}

json::Value to_json(const StringMap& map) {
  json::Object out;
  out.reserve(map.size());
  for (const auto& [key, value] : map)
    out.push_back(json::Member{key, json::Value(value)});
  return out;
}

json::Value to_json(const MultiStringMap& map) {
  json::Object out;
  out.reserve(map.size());
  for (const auto& [key, values] : map)
    out.push_back(json::Member{key, to_json(values)});
  return out;
}

json::Value to_json(const std::vector<std::string>& strings) {
  json::Array out;
  out.reserve(strings.size());
  for (const auto& s : strings)
    out.emplace_back(s);
  return out;
}

}  // namespace detail
}  // namespace streamcache::lambda::events
