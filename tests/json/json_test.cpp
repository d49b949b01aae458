#include "json/json.h"

#include <gtest/gtest.h>

#include "support/json_mutator.h"

namespace streamcache::json {
namespace {

TEST(Json, KeepsNumberTextExactly) {
  const std::string text =
      R"({"big":12345678901234567890123456789012345678,"neg":-0.000100,"exp":1E+5})";
  auto value = parse(text);
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->find("big")->as_number().text, "12345678901234567890123456789012345678");
  EXPECT_EQ(value->find("neg")->as_number().text, "-0.000100");
  EXPECT_EQ(serialize(*value), text);
}

TEST(Json, KeepsMemberOrderAndRoundTrips) {
  const std::string text = R"({"z":1,"a":[true,false,null,"x",{"k":[]}],"m":{}})";
  auto value = parse(text);
  ASSERT_TRUE(value);
  EXPECT_EQ(value->as_object().front().name, "z");
  EXPECT_EQ(serialize(*value), text);
}

TEST(Json, EscapesStringsPerRfc8259) {
  Value v(std::string("quote\" backslash\\ newline\n tab\t bell\x07 \xC3\xA9"));
  EXPECT_EQ(serialize(v), R"("quote\" backslash\\ newline\n tab\t bell\u0007 é")");
  auto back = parse(serialize(v));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
}

TEST(Json, DecodesUnicodeEscapes) {
  auto v = parse(R"("\u00e9\ud83d\ude00")");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_string(), "\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(Json, RejectsMalformedInputWithOffset) {
  for (std::string_view bad : {"{", "{\"a\":}", "[1,]", "nul", "{} x", "\"\xff\"", "01", ""}) {
    auto v = parse(bad);
    EXPECT_FALSE(v) << bad;
    if (!v) {
      EXPECT_NE(v.error().message.find("offset"), std::string::npos) << v.error().message;
    }
  }
}

TEST(Json, RejectsStringsThatAreNotUtf8) {
  auto raw = parse("{\"a\":\"ok\",\"b\":\"\xc0\xaf\"}");  // overlong "/"
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().message,
            "a string is not valid UTF-8 (raw bytes or a lone surrogate escape) at offset 18");
  EXPECT_FALSE(parse("[\"\xed\xa0\x80\"]"));  // an encoded UTF-16 surrogate
  EXPECT_FALSE(parse("{\"k\xff\":1}"));       // in a key
  EXPECT_FALSE(parse("[1]\xc3"));             // after the document
  EXPECT_FALSE(parse("[1,\xc3]"));            // outside any string
  // Escapes decode to UTF-8: a pair is one code point, a lone surrogate of either half is refused.
  auto pair = parse(R"("\ud83d\ude00")");
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->as_string(), "\xF0\x9F\x98\x80");
  EXPECT_FALSE(parse(R"("\ud83d")"));
  EXPECT_FALSE(parse(R"("\ude00")"));
  EXPECT_FALSE(parse(R"({"\udfff":1})"));
}

TEST(Json, RejectsNestingBeyondTheLimit) {
  std::string deep(kMaxDepth + 1, '[');
  deep += std::string(kMaxDepth + 1, ']');
  auto v = parse(deep);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("nesting deeper than"), std::string::npos);
  std::string ok(kMaxDepth, '[');
  ok += std::string(kMaxDepth, ']');
  EXPECT_TRUE(parse(ok));
}

TEST(Json, TypedLookups) {
  auto v = parse(R"({"s":"x","i":42,"f":1.5,"b":true,"n":null})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->get_string("s"), "x");
  EXPECT_EQ(v->get_int("i"), 42);
  EXPECT_EQ(v->get_int("f"), std::nullopt);
  EXPECT_EQ(v->get_bool("b"), true);
  EXPECT_EQ(v->get_string("n"), std::nullopt);
  EXPECT_EQ(v->find("missing"), nullptr);
}

TEST(Json, SetReplacesAndEraseRemoves) {
  Value v{Object{}};
  v.set("a", Value::integer(1));
  v.set("b", "x");
  v.set("a", Value::integer(2));
  EXPECT_EQ(serialize(v), R"({"a":2,"b":"x"})");
  EXPECT_TRUE(v.erase("a"));
  EXPECT_FALSE(v.erase("a"));
  EXPECT_EQ(serialize(v), R"({"b":"x"})");
}

TEST(Json, NumberGrammar) {
  for (std::string_view good : {"0", "-0", "1.5", "1e5", "1E-5", "-12.34e+10"})
    EXPECT_TRUE(is_number_text(good)) << good;
  for (std::string_view bad : {"", "-", "01", "1.", ".5", "1e", "+1", "1x", "NaN"})
    EXPECT_FALSE(is_number_text(bad)) << bad;
}

// Property: whatever damaged text parses, serializing it gives text that parses to the same value,
// and serializing is a fixed point (so cached bodies and ETags are stable across round trips).
TEST(Json, DamagedTextThatParsesRoundTripsExactly) {
  const std::string seed =
      R"({"id":"a","n":-12.50e3,"big":123456789012345678901234567890123456789,"s":"\u00e9\n\"",)"
      R"("l":[true,false,null,{"m":{}},[]],"e":"\ud83d\ude00","z":0})";
  streamcache::testing::JsonMutator mutate(7);
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = mutate.bytes(seed);
    auto value = parse(text);
    if (!value) continue;
    ++parsed;
    const std::string once = serialize(*value);
    auto again = parse(once);
    ASSERT_TRUE(again) << "input: " << text << " serialized: " << once;
    EXPECT_EQ(*again, *value) << "input: " << text;
    EXPECT_EQ(serialize(*again), once) << "input: " << text;
  }
  EXPECT_GT(parsed, 100);  // the property is exercised, not vacuous
}

}  // namespace
}  // namespace streamcache::json
