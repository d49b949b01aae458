// DynamoDB's AttributeValue (S, N, B, BOOL, NULL, M, L, SS, NS, BS), its wire form (DynamoDB
// JSON, e.g. {"N":"42"}) and the plain-JSON view items have in the API. Numbers are kept as their
// decimal text end to end: DynamoDB allows 38 significant digits, a double has about 16.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/expected.h"
#include "json/json.h"

namespace streamcache::aws {

class AttributeValue;
struct Attribute;
using AttributeMap = std::vector<Attribute>;  // an item, a key or an M value; names are unique

struct NumberValue {  // N: decimal text as DynamoDB accepts it
  std::string text;
  bool operator==(const NumberValue&) const = default;
};
struct BinaryValue {  // B: raw bytes (base64 on the wire)
  std::string bytes;
  bool operator==(const BinaryValue&) const = default;
};
struct NullValue {
  bool operator==(const NullValue&) const = default;
};
using StringSet = std::vector<std::string>;
struct NumberSet {
  std::vector<std::string> texts;
  bool operator==(const NumberSet&) const = default;
};
struct BinarySet {
  std::vector<std::string> bytes;
  bool operator==(const BinarySet&) const = default;
};

class AttributeValue {
 public:
  using Storage = std::variant<std::string, NumberValue, BinaryValue, bool, NullValue, AttributeMap,
                               std::vector<AttributeValue>, StringSet, NumberSet, BinarySet>;

  // Defined after Attribute: clang needs Attribute complete to destroy an M.
  AttributeValue();  // NULL
  template <class T>
  requires std::is_constructible_v<Storage, T&&> AttributeValue(T&& value)
      : v_(std::forward<T>(value)) {}  // NOLINT: implicit like a variant
  AttributeValue(const AttributeValue& other);
  AttributeValue(AttributeValue&& other) noexcept;
  AttributeValue& operator=(const AttributeValue& other);
  AttributeValue& operator=(AttributeValue&& other) noexcept;
  ~AttributeValue();
  static AttributeValue string(std::string s);
  static AttributeValue number(std::string text);

  [[nodiscard]] const Storage& storage() const { return v_; }
  template <class T>
  [[nodiscard]] const T* get_if() const {
    return std::get_if<T>(&v_);
  }
  // The DynamoDB type descriptor: "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
  [[nodiscard]] std::string_view type_name() const;
  bool operator==(const AttributeValue& other) const;

 private:
  Storage v_;
};

struct Attribute {
  std::string name;
  AttributeValue value;
  bool operator==(const Attribute&) const = default;
};

inline AttributeValue::AttributeValue() : v_(NullValue{}) {}
inline AttributeValue::AttributeValue(const AttributeValue& other) = default;
inline AttributeValue::AttributeValue(AttributeValue&& other) noexcept = default;
inline AttributeValue& AttributeValue::operator=(const AttributeValue& other) = default;
inline AttributeValue& AttributeValue::operator=(AttributeValue&& other) noexcept = default;
inline AttributeValue::~AttributeValue() = default;
inline AttributeValue AttributeValue::string(std::string s) {
  return AttributeValue(std::move(s));
}
inline AttributeValue AttributeValue::number(std::string text) {
  return AttributeValue(NumberValue{std::move(text)});
}

// Lookup by name; nullptr when absent.
const AttributeValue* find(const AttributeMap& map, std::string_view name);
// The string value of a S attribute, or nullptr.
const std::string* find_string(const AttributeMap& map, std::string_view name);
// The text of an N attribute, or nullptr.
const std::string* find_number(const AttributeMap& map, std::string_view name);

// Wire form (DynamoDB JSON). Decoding is strict: one type key per value, N text that DynamoDB
// accepts, valid base64, no duplicate set members; errors name the path, e.g. "a.b[2]".
json::Value to_dynamodb_json(const AttributeValue& value);
json::Value to_dynamodb_json(const AttributeMap& map);
Expected<AttributeValue, std::string> from_dynamodb_json(const json::Value& wire);
Expected<AttributeMap, std::string> map_from_dynamodb_json(const json::Value& wire);
void append_dynamodb_json(const AttributeMap& map, std::string& out);

// Plain JSON view: S→string, N→number (same text), BOOL, NULL→null, M→object, L→array,
// SS/NS/BS→arrays, B→base64 string. Lossless for everything plain JSON produces.
json::Value to_plain_json(const AttributeValue& value);
json::Value to_plain_json(const AttributeMap& map);
// Plain JSON → attributes: string→S, number→N (validated), object→M, array→L.
Expected<AttributeValue, std::string> from_plain_json(const json::Value& plain);
Expected<AttributeMap, std::string> map_from_plain_json(const json::Value& plain);

// DynamoDB's number rules: up to 38 significant digits, magnitude within 1E-130 .. 9.99E+125.
// Accepted text: [+-] digits [. digits] [(e|E) [+-] digits], at least one digit in the mantissa
// ("1.", ".5", "+3", "-0", "1E+3" all accepted). Leading and trailing zeros are not significant.
// A zero is refused when it is written entirely outside that range, as DynamoDB refuses "0e1000":
// when its first written digit is below 1E-130 or its last above 1E+125 ("0e126", "0.0e127",
// ".0e-130", "0e-131"); "0e125", "0.0e3", "0e-130" and "00000" are fine. (Only "0e1000" is
// verified against DynamoDB, ScyllaDB issue 26079; the exact boundary for zeros is our choice.)
// Errors read "invalid number '<text>': <why>".
Expected<void, std::string> validate_number(std::string_view text);

// DynamoDB's canonical text of a valid number, as it returns it: plain decimal, never an exponent;
// no '+', no leading zeros (but "0." before a fraction), no trailing fractional zeros, no point
// without a fraction, no "-0" (every zero is "0"). E.g. "+007.50" -> "7.5", "-1.2300E2" -> "-123",
// "1e-3" -> "0.001", "1E+3" -> "1000". The result is a JSON number and its own canonical text.
// Accepts and refuses exactly what validate_number does, with the same error.
Expected<std::string, std::string> canonical_number(std::string_view text);

// Standard base64 (RFC 4648 §4, padded), as DynamoDB JSON uses for B and BS.
std::string base64_encode(std::string_view bytes);
Expected<std::string, std::string> base64_decode(std::string_view text);

}  // namespace streamcache::aws
