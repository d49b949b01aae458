// Internal: typed reads from a json::Value that remember the first error with its JSON path, so
// event parsers read like field lists instead of a ladder of checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "lambda/events/common.h"

namespace streamcache::lambda::events::detail {

// Collects the first error of one parse; later errors are ignored (the first one is the cause).
class ErrorSink {
 public:
  void fail(std::string field, std::string_view problem);
  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] const EventError& error() const { return *error_; }

 private:
  std::optional<EventError> error_;
};

// Reads the members of one JSON object. Absent and null members are "not set" (tolerant);
// a member of the wrong type is an error (strict).
class ObjectReader {
 public:
  // `value` must be an object, or null/absent when `optional`; otherwise the sink records why.
  ObjectReader(const json::Value* value, std::string path, ErrorSink& sink, bool optional = true);

  [[nodiscard]] bool present() const { return object_ != nullptr; }
  [[nodiscard]] std::string path_of(std::string_view key) const;

  std::string string(std::string_view key);  // "" when not set
  std::optional<std::string> optional_string(std::string_view key);
  std::string required_string(std::string_view key);
  bool boolean(std::string_view key, bool fallback = false);
  std::int64_t integer(std::string_view key, std::int64_t fallback = 0);
  std::optional<std::int64_t> required_integer(std::string_view key);
  std::optional<json::Number> number(std::string_view key);
  StringMap string_map(std::string_view key);
  MultiStringMap multi_string_map(std::string_view key);
  std::vector<std::string> strings(std::string_view key);
  json::Value object_value(std::string_view key);  // any object, kept as JSON; null when not set
  json::Value any(std::string_view key);           // any JSON; null when absent
  ObjectReader object(std::string_view key, bool optional = true);
  const json::Array* array(std::string_view key, bool optional = true);

 private:
  const json::Value* member(std::string_view key) const;  // nullptr when absent or null
  bool expect(const json::Value& value, json::Type type, std::string_view key);
  std::optional<std::int64_t> read_integer(const json::Value& value, std::string_view key);

  const json::Value* object_ = nullptr;
  std::string path_;
  ErrorSink* sink_;
};

using json::type_name;

// Writers for the serializers: empty maps and lists can be omitted or written as null.
json::Value to_json(const StringMap& map);
json::Value to_json(const MultiStringMap& map);
json::Value to_json(const std::vector<std::string>& strings);

}  // namespace streamcache::lambda::events::detail
