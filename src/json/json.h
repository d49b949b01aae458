// A small JSON document model that keeps numbers as their exact text (DynamoDB numbers have up to
// 38 significant digits; a double would round them) and objects in their written order.
// Parsing is RapidJSON's SAX reader (fast, UTF-8 validated, iterative); this header has no
// third-party includes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/expected.h"

namespace streamcache::json {

class Value;
struct Member;
using Array = std::vector<Value>;
using Object = std::vector<Member>;

// A JSON number as written: "-12.5e3" stays "-12.5e3".
struct Number {
  std::string text;
  bool operator==(const Number&) const = default;
};

enum class Type { null, boolean, number, string, array, object };

// "null", "a boolean", "a number", "a string", "an array", "an object": for error messages.
std::string_view type_name(Type type);

class Value {
 public:
  // Defined after Member: clang needs Member complete to destroy an Object.
  Value();                    // null
  Value(std::nullptr_t);      // NOLINT: implicit
  Value(bool b);              // NOLINT
  Value(Number n);            // NOLINT
  Value(std::string s);       // NOLINT
  Value(std::string_view s);  // NOLINT
  Value(const char* s);       // NOLINT
  Value(Array a);             // NOLINT
  Value(Object o);            // NOLINT
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value();
  // Integers become exact Number text.
  static Value integer(std::int64_t n);

  [[nodiscard]] Type type() const { return static_cast<Type>(v_.index()); }
  [[nodiscard]] bool is_null() const { return type() == Type::null; }
  [[nodiscard]] bool is_bool() const { return type() == Type::boolean; }
  [[nodiscard]] bool is_number() const { return type() == Type::number; }
  [[nodiscard]] bool is_string() const { return type() == Type::string; }
  [[nodiscard]] bool is_array() const { return type() == Type::array; }
  [[nodiscard]] bool is_object() const { return type() == Type::object; }

  // Accessors require the matching type (std::bad_variant_access otherwise).
  [[nodiscard]] bool as_bool() const { return std::get<bool>(v_); }
  [[nodiscard]] const Number& as_number() const { return std::get<Number>(v_); }
  [[nodiscard]] const std::string& as_string() const { return std::get<std::string>(v_); }
  [[nodiscard]] std::string& as_string() { return std::get<std::string>(v_); }
  [[nodiscard]] const Array& as_array() const { return std::get<Array>(v_); }
  [[nodiscard]] Array& as_array() { return std::get<Array>(v_); }
  [[nodiscard]] const Object& as_object() const { return std::get<Object>(v_); }
  [[nodiscard]] Object& as_object() { return std::get<Object>(v_); }

  // Object lookup (first member with that name); nullptr when absent or not an object.
  [[nodiscard]] const Value* find(std::string_view key) const;
  [[nodiscard]] Value* find(std::string_view key);
  // Typed lookups that return nullopt when the member is absent, null, or of another type.
  [[nodiscard]] std::optional<std::string_view> get_string(std::string_view key) const;
  [[nodiscard]] std::optional<std::int64_t> get_int(std::string_view key) const;
  [[nodiscard]] std::optional<bool> get_bool(std::string_view key) const;
  // Sets (replaces or appends) an object member; the value must be an object.
  Value& set(std::string_view key, Value value);
  // Removes an object member; true when something was removed.
  bool erase(std::string_view key);

  bool operator==(const Value& other) const;

 private:
  std::variant<std::nullptr_t, bool, Number, std::string, Array, Object> v_;
};

struct Member {
  std::string name;
  Value value;
  bool operator==(const Member&) const = default;
};

inline Value::Value() = default;
inline Value::Value(std::nullptr_t) {}
inline Value::Value(bool b) : v_(b) {}
inline Value::Value(Number n) : v_(std::move(n)) {}
inline Value::Value(std::string s) : v_(std::move(s)) {}
inline Value::Value(std::string_view s) : v_(std::string(s)) {}
inline Value::Value(const char* s) : v_(std::string(s)) {}
inline Value::Value(Array a) : v_(std::move(a)) {}
inline Value::Value(Object o) : v_(std::move(o)) {}
inline Value::Value(const Value& other) = default;
inline Value::Value(Value&& other) noexcept = default;
inline Value& Value::operator=(const Value& other) = default;
inline Value& Value::operator=(Value&& other) noexcept = default;
inline Value::~Value() = default;
inline Value Value::integer(std::int64_t n) {
  return Value(Number{std::to_string(n)});
}

// Nesting limit: deeper documents are rejected (DynamoDB itself allows 32 levels).
inline constexpr std::size_t kMaxDepth = 128;

struct ParseError {
  std::string message;  // e.g. "invalid value at offset 12"
  std::size_t offset = 0;
};

// Parses one JSON document (UTF-8, validated); trailing non-space text is an error.
Expected<Value, ParseError> parse(std::string_view text);

// Compact serialization; numbers are written as their text, strings escaped per RFC 8259.
std::string serialize(const Value& value);
void serialize_to(const Value& value, std::string& out);
// Appends `text` as a quoted, escaped JSON string.
void append_quoted(std::string& out, std::string_view text);

// True when `text` is a valid JSON number (RFC 8259 grammar).
bool is_number_text(std::string_view text);
// Parses an integer Number; nullopt when not an integer or out of range.
std::optional<std::int64_t> to_int64(const Number& number);

}  // namespace streamcache::json
