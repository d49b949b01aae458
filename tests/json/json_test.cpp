#include "json/json.h"

#include <gtest/gtest.h>

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

TEST(Json, RejectsInvalidUtf8AnywhereNamingTheFirstBadByte) {
  auto in_string = parse("{\"a\":\"ok\",\"b\":\"\xc0\xaf\"}");  // overlong "/"
  ASSERT_FALSE(in_string);
  EXPECT_EQ(in_string.error().message, "invalid UTF-8 at offset 15");
  EXPECT_EQ(in_string.error().offset, 15u);
  EXPECT_FALSE(parse("[\"\xed\xa0\x80\"]"));  // a UTF-16 surrogate
  EXPECT_FALSE(parse("{\"k\xff\":1}"));       // in a key
  EXPECT_FALSE(parse("[1]\xc3"));             // after the document
  // Escapes are not raw bytes: a valid pair decodes, a lone surrogate escape is refused.
  EXPECT_TRUE(parse(R"("\ud83d\ude00")"));
  EXPECT_FALSE(parse(R"("\ud83d")"));
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

}  // namespace
}  // namespace streamcache::json
