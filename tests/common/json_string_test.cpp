// The JSON string escaper against a byte-at-a-time reference: every byte value at every offset
// around the eight-byte steps, and random texts rich in characters to escape.
#include "common/json_string.h"

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace streamcache {
namespace {

std::string reference(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string escaped(std::string_view text) {
  std::string out = "prefix:";
  append_json_string(out, text);
  return out.substr(7);
}

TEST(JsonString, EscapesEveryByteAtEveryOffset) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t size : {1u, 7u, 8u, 9u, 16u, 17u, 24u}) {
      for (std::size_t at = 0; at < size; ++at) {
        std::string text(size, 'a');
        text[at] = static_cast<char>(byte);
        ASSERT_EQ(escaped(text), reference(text)) << byte << " at " << at << " of " << size;
      }
    }
  }
}

TEST(JsonString, EscapesRandomTextsLikeTheReference) {
  std::mt19937 rng(20261130);
  const std::string alphabet = "ab\"\\\n\x01\x1f \x7f\x80\xc3\xa9{}:,";
  for (int i = 0; i < 2000; ++i) {
    std::string text(rng() % 70, ' ');
    for (char& c : text)
      c = alphabet[rng() % alphabet.size()];
    ASSERT_EQ(escaped(text), reference(text)) << i;
  }
  EXPECT_EQ(escaped(""), "\"\"");
}

}  // namespace
}  // namespace streamcache
