#include "aws/attribute_value.h"

#include <gtest/gtest.h>

namespace streamcache::aws {
namespace {

json::Value parse_or_die(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : json::Value();
}

TEST(AttributeValue, WireRoundTripOfEveryType) {
  const std::string wire =
      R"({"s":{"S":""},"n":{"N":"12345678901234567890123456789012345678"},"b":{"B":"AAEC/w=="},)"
      R"("t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"inner":{"L":[{"N":"-1.5E-3"},{"S":"x"}]}}},)"
      R"("ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ==","Ag=="]}})";
  auto map = map_from_dynamodb_json(parse_or_die(wire));
  ASSERT_TRUE(map) << map.error();
  ASSERT_EQ(map->size(), 9U);
  EXPECT_EQ(*find_number(*map, "n"), "12345678901234567890123456789012345678");
  EXPECT_EQ(find(*map, "b")->get_if<BinaryValue>()->bytes, std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(json::serialize(to_dynamodb_json(*map)), wire);
}

TEST(AttributeValue, PlainJsonRoundTripKeepsNumbersExact) {
  const std::string plain =
      R"({"id":"a","n":99999999999999999999999999999999999999,"f":0.1,"nested":{"l":[1,"two",null,false,{}]},"e":""})";
  auto map = map_from_plain_json(parse_or_die(plain));
  ASSERT_TRUE(map) << map.error();
  EXPECT_EQ(find(*map, "nested")->type_name(), "M");
  EXPECT_EQ(json::serialize(to_plain_json(*map)), plain);
  // Through the wire form and back: still the same document.
  auto again = map_from_dynamodb_json(to_dynamodb_json(*map));
  ASSERT_TRUE(again);
  EXPECT_EQ(json::serialize(to_plain_json(*again)), plain);
}

TEST(AttributeValue, SetsAndBinaryBecomeArraysAndBase64InPlainJson) {
  auto map = map_from_dynamodb_json(parse_or_die(R"({"ns":{"NS":["1","10"]},"b":{"B":"aGk="}})"));
  ASSERT_TRUE(map);
  EXPECT_EQ(json::serialize(to_plain_json(*map)), R"({"ns":[1,10],"b":"aGk="})");
}

TEST(AttributeValue, RejectsBadWireValuesWithAPath) {
  struct Case {
    const char* wire;
    const char* error_part;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"a":{"S":1}})", "a: S must be a string"},
           {R"({"a":{"N":"1x"}})", "invalid number"},
           {R"({"a":{"S":"x","N":"1"}})", "exactly one type key"},
           {R"({"a":{"M":{"b":{"L":[{"Q":"x"}]}}}})", "a.b[0]: unknown AttributeValue type 'Q'"},
           {R"({"a":{"B":"###="}})", "invalid base64"},
           {R"({"a":{"SS":[]}})", "must not be empty"},
           {R"({"a":{"SS":["x","x"]}})", "duplicate member"},
           {R"({"a":{"NULL":false}})", "NULL must be true"},
       }) {
    auto map = map_from_dynamodb_json(parse_or_die(c.wire));
    ASSERT_FALSE(map) << c.wire;
    EXPECT_NE(map.error().find(c.error_part), std::string::npos) << map.error();
  }
}

TEST(AttributeValue, PlainJsonRejectsDuplicateKeysAndBadNumbers) {
  auto dup = map_from_plain_json(parse_or_die(R"({"a":1,"a":2})"));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().find("duplicate key 'a'"), std::string::npos);
  auto too_precise =
      map_from_plain_json(parse_or_die(R"({"x":{"y":123456789012345678901234567890123456789}})"));
  ASSERT_FALSE(too_precise);
  EXPECT_NE(too_precise.error().find("x.y"), std::string::npos);
  EXPECT_NE(too_precise.error().find("38 significant digits"), std::string::npos);
}

TEST(AttributeValue, NumberLimitsMatchDynamoDb) {
  EXPECT_TRUE(validate_number("12345678901234567890123456789012345678"));
  EXPECT_TRUE(validate_number("1234567890123456789012345678901234567800000"));  // trailing zeros
  EXPECT_TRUE(validate_number(
      "0.000000000000000000000000000000000000012345678901234567890123456789012345678"));
  EXPECT_FALSE(validate_number("123456789012345678901234567890123456789"));
  EXPECT_TRUE(validate_number("9.9999999999999999999999999999999999999E+125"));
  EXPECT_FALSE(validate_number("1E+126"));
  EXPECT_TRUE(validate_number("1E-130"));
  EXPECT_FALSE(validate_number("1E-131"));
  EXPECT_TRUE(validate_number("0"));
  EXPECT_TRUE(validate_number("-0.0"));
  EXPECT_FALSE(validate_number(""));
  EXPECT_FALSE(validate_number("1e"));
  EXPECT_FALSE(validate_number("abc"));
}

TEST(Base64, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto encoded = base64_encode(bytes);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("a=bc"));
}

}  // namespace
}  // namespace streamcache::aws
