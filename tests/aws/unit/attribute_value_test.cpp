#include "aws/attribute_value.h"

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

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
           {R"({"a":{"BS":["AA==","AP=="]}})", "duplicate member 'AP==' in BS"},
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

std::string zeros(std::size_t n) {
  return std::string(n, '0');
}

struct CanonicalCase {
  std::string text;
  std::string canonical;
};

// Inputs DynamoDB accepts and the text it returns for them.
std::vector<CanonicalCase> canonical_cases() {
  const std::string max38 = "99999999999999999999999999999999999999";
  std::vector<CanonicalCase> cases = {
      // Integers: signs and leading zeros.
      {"1", "1"},
      {"007", "7"},
      {"00", "0"},
      {"0", "0"},
      {"+3", "3"},
      {"+0", "0"},
      {"-0", "0"},
      {"-7", "-7"},
      {"0000000001", "1"},
      {"-000120", "-120"},
      {"100", "100"},
      // Fractions: leading and trailing zeros, the point.
      {"001.23", "1.23"},
      {"+1.5", "1.5"},
      {"1.0", "1"},
      {"1.00", "1"},
      {"1.10", "1.1"},
      {"1.50", "1.5"},
      {"100.000", "100"},
      {"0.0", "0"},
      {"-0.0", "0"},
      {"0.10", "0.1"},
      {"000.000100", "0.0001"},
      {"1.0000000000", "1"},
      {".5", "0.5"},
      {".123", "0.123"},
      {"-.5", "-0.5"},
      {"+.5", "0.5"},
      {"1.", "1"},
      {"-10.", "-10"},
      {"0.", "0"},
      {".0", "0"},
      {"3.14159", "3.14159"},
      {"-273.15", "-273.15"},
      {"0.001", "0.001"},
      {"-0.001", "-0.001"},
      // Exponents.
      {"1e3", "1000"},
      {"1E3", "1000"},
      {"1e+3", "1000"},
      {"1E+3", "1000"},
      {"1e0", "1"},
      {"1e+0", "1"},
      {"1e-0", "1"},
      {"1e0003", "1000"},
      {"5e1", "50"},
      {"-3e2", "-300"},
      {"1.5e2", "150"},
      {"-1.5E+2", "-150"},
      {"1.23e4", "12300"},
      {"1e-3", "0.001"},
      {"-1e-3", "-0.001"},
      {"5e-1", "0.5"},
      {"123e-2", "1.23"},
      {"1.23e-1", "0.123"},
      {"1.0e3", "1000"},
      {"1.00e2", "100"},
      {"1.0e-1", "0.1"},
      {"-1.2300E2", "-123"},
      {"12.34e1", "123.4"},
      {"12.34e2", "1234"},
      {"12.34e-2", "0.1234"},
      {"1234.5e-2", "12.345"},
      {"000123.456000e1", "1234.56"},
      {"-0.000123e3", "-0.123"},
      {"-.5e1", "-5"},
      {"1.e3", "1000"},
      {"100000e-5", "1"},
      {"0.0000000000000000000000000000000000000001e40", "1"},
      {"1e20", "100000000000000000000"},
      {"9.9e10", "99000000000"},
      {"1e-20", "0.00000000000000000001"},
      // Zeros with exponents inside the range.
      {"0e5", "0"},
      {"0.0e3", "0"},
      {"0e-5", "0"},
      {"-0e5", "0"},
      {"0e125", "0"},
      {"0.0e126", "0"},
      {".0e126", "0"},
      {"0e-130", "0"},
      {"0.000e-128", "0"},
      {"0.000e-129", "0"},  // its first written digit is at E-129
      {"00000000000000000000000000000000000000000000000000", "0"},
      {"0." + zeros(200), "0"},
      {zeros(200) + "e-100", "0"},
      // 38 significant digits, with and without a point; trailing zeros don't count.
      {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
      {"-12345678901234567890123456789012345678", "-12345678901234567890123456789012345678"},
      {"1234567890123456789.0123456789012345678", "1234567890123456789.0123456789012345678"},
      {"0.12345678901234567890123456789012345678", "0.12345678901234567890123456789012345678"},
      {"1234567890123456789.012345678901234567800000", "1234567890123456789.0123456789012345678"},
      {"0001234567890123456789.01234567890123456780", "1234567890123456789.0123456789012345678"},
      {"1234567891234560000000000000000000000000", "1234567891234560000000000000000000000000"},
      {"1234567890123456789012345678901234567800000",
       "1234567890123456789012345678901234567800000"},
      {"12345678901234567890123456789012345678e-50",
       "0.00000000000012345678901234567890123456789012345678"},
      {"1.2345678901234567890123456789012345678e37", "12345678901234567890123456789012345678"},
      // The limits and their negatives.
      {"1e125", "1" + zeros(125)},
      {"-1e125", "-1" + zeros(125)},
      {"0.1e126", "1" + zeros(125)},
      {"100e123", "1" + zeros(125)},
      {"9.9999999999999999999999999999999999999E+125", max38 + zeros(88)},
      {"-9.9999999999999999999999999999999999999E+125", "-" + max38 + zeros(88)},
      {"1E-130", "0." + zeros(129) + "1"},
      {"-1E-130", "-0." + zeros(129) + "1"},
      {"1.0e-130", "0." + zeros(129) + "1"},
      {"10e-131", "0." + zeros(129) + "1"},
      {"9.9999999999999999999999999999999999999E-130", "0." + zeros(129) + max38},
      {"1.2345678901234567890123456789012345678E-130",
       "0." + zeros(129) + "12345678901234567890123456789012345678"},
  };
  return cases;
}

TEST(CanonicalNumber, MatchesDynamoDbText) {
  for (const auto& c : canonical_cases()) {
    auto canonical = canonical_number(c.text);
    ASSERT_TRUE(canonical) << c.text << ": " << canonical.error();
    EXPECT_EQ(*canonical, c.canonical) << c.text;
    EXPECT_TRUE(validate_number(c.text)) << c.text;
  }
}

TEST(CanonicalNumber, IsIdempotentAndAJsonNumber) {
  for (const auto& c : canonical_cases()) {
    auto canonical = canonical_number(c.text);
    ASSERT_TRUE(canonical) << c.text;
    auto again = canonical_number(*canonical);
    ASSERT_TRUE(again) << *canonical;
    EXPECT_EQ(*again, *canonical) << c.text;
    EXPECT_TRUE(json::is_number_text(*canonical)) << c.text << " -> " << *canonical;
    EXPECT_TRUE(validate_number(*canonical)) << *canonical;
  }
}

TEST(CanonicalNumber, RefusesWhatValidateNumberRefusesWithItsError) {
  struct Refused {
    std::string text;
    const char* error_part;
  };
  const std::vector<Refused> refused = {
      // Precision.
      {"123456789012345678901234567890123456789", "more than 38 significant digits"},
      {"-123456789012345678901234567890123456789", "more than 38 significant digits"},
      {"1.23456789012345678901234567890123456789", "more than 38 significant digits"},
      {"0.000123456789012345678901234567890123456789", "more than 38 significant digits"},
      {"1000000000000000000000000000000000000001", "more than 38 significant digits"},
      {"9.99999999999999999999999999999999999999E+125", "more than 38 significant digits"},
      // Magnitude, just past the limits.
      {"1e126", "magnitude above"},
      {"1E+126", "magnitude above"},
      {"-1e126", "magnitude above"},
      {"10e125", "magnitude above"},
      {"1000e123", "magnitude above"},
      {"1" + zeros(126), "magnitude above"},
      {"1e1000", "magnitude above"},
      {"10e9223372036854775807", "magnitude above"},  // the largest exponent a long holds
      {"1e-131", "magnitude below"},
      {"-1e-131", "magnitude below"},
      {"0.9e-130", "magnitude below"},
      {"0.1e-130", "magnitude below"},
      {"9.9999999999999999999999999999999999999E-131", "magnitude below"},
      {"0." + zeros(130) + "1", "magnitude below"},
      {"0.01e-9223372036854775808", "magnitude below"},
      // Zeros written outside the range (real DynamoDB refuses "0e1000").
      {"0e1000", "zero with an exponent outside"},
      {"-0e1000", "zero with an exponent outside"},
      {"0e-200", "zero with an exponent outside"},
      {"0e126", "zero with an exponent outside"},
      {"0.0e127", "zero with an exponent outside"},
      {"0e-131", "zero with an exponent outside"},
      {".0e-130", "zero with an exponent outside"},
      // Syntax.
      {"", "no digits"},
      {"-", "no digits"},
      {"+", "no digits"},
      {".", "no digits"},
      {"-.", "no digits"},
      {"e5", "no digits"},
      {".e5", "no digits"},
      {"abc", "no digits"},
      {"NaN", "no digits"},
      {"Infinity", "no digits"},
      {"-Infinity", "no digits"},
      {" 1", "no digits"},
      {"--1", "no digits"},
      {"+-1", "no digits"},
      {"1 ", "unexpected character ' '"},
      {"1x", "unexpected character 'x'"},
      {"1.2.3", "unexpected character '.'"},
      {"0x10", "unexpected character 'x'"},
      {"1,5", "unexpected character ','"},
      {"1_000", "unexpected character '_'"},
      {"1e", "malformed exponent"},
      {"1e+", "malformed exponent"},
      {"1e-", "malformed exponent"},
      {"1e+-3", "malformed exponent"},
      {"1e-+3", "malformed exponent"},
      {"1e++3", "malformed exponent"},
      {"1e3.5", "malformed exponent"},
      {"1e3x", "malformed exponent"},
      {"1e 3", "malformed exponent"},
      {"1ee3", "malformed exponent"},
      {"1e99999999999999999999", "malformed exponent"},
      {"1e-99999999999999999999", "malformed exponent"},
  };
  for (const auto& r : refused) {
    auto valid = validate_number(r.text);
    auto canonical = canonical_number(r.text);
    ASSERT_FALSE(valid) << r.text;
    ASSERT_FALSE(canonical) << r.text << " -> " << *canonical;
    EXPECT_EQ(canonical.error(), valid.error());
    EXPECT_EQ(valid.error().rfind("invalid number '" + r.text + "': ", 0), 0U) << valid.error();
    EXPECT_NE(valid.error().find(r.error_part), std::string::npos)
        << r.text << ": " << valid.error();
  }
}

// Random texts over the number alphabet: validate_number and canonical_number agree, and a
// canonical text is a JSON number, its own canonical text and the same value (strtod reads both).
TEST(CanonicalNumber, AgreesWithValidateNumberAndKeepsTheValue) {
  std::mt19937 rng(20240611);
  const std::string alphabet = "0000123456789..eE+-";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(1, 14);
  int valid_count = 0;
  for (int round = 0; round < 50000; ++round) {
    std::string text;
    for (int i = length(rng); i > 0; --i)
      text.push_back(alphabet[pick(rng)]);
    auto valid = validate_number(text);
    auto canonical = canonical_number(text);
    ASSERT_EQ(static_cast<bool>(valid), static_cast<bool>(canonical)) << text;
    if (!valid) {
      EXPECT_EQ(canonical.error(), valid.error());
      continue;
    }
    ++valid_count;
    ASSERT_TRUE(json::is_number_text(*canonical)) << text << " -> " << *canonical;
    auto again = canonical_number(*canonical);
    ASSERT_TRUE(again) << *canonical;
    ASSERT_EQ(*again, *canonical) << text;
    char* end = nullptr;
    const double expected = std::strtod(text.c_str(), &end);
    ASSERT_EQ(end, text.c_str() + text.size()) << text;
    EXPECT_EQ(std::strtod(canonical->c_str(), nullptr), expected) << text << " -> " << *canonical;
  }
  EXPECT_GT(valid_count, 5000);
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
