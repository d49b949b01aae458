#include "common/utf8.h"

#include <gtest/gtest.h>

namespace streamcache {
namespace {

constexpr auto npos = std::string_view::npos;

TEST(Utf8, AcceptsEveryWellFormedSequenceLength) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf\xf4\x8f\xbf\xbf"));          // U+FFFF, U+10FFFF
}

TEST(Utf8, RejectsWhatRfc3629Forbids) {
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong "/"
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\x80"));  // a continuation byte alone
}

// The eight-byte ASCII fast path must not skip a bad byte at any position.
TEST(Utf8, FindsTheOffsetOfTheFirstBadByteAnywhere) {
  for (std::size_t at = 0; at < 20; ++at) {
    std::string text(20, 'a');
    text[at] = '\xff';
    EXPECT_EQ(find_invalid_utf8(text), at);
  }
  std::string split = std::string(7, 'a') + "\xe2\x82\xac" + std::string(9, 'b');
  EXPECT_EQ(find_invalid_utf8(split), npos);  // a sequence across the 8-byte boundary
  split[8] = 'x';
  EXPECT_EQ(find_invalid_utf8(split), 7u);
}

TEST(Utf8, AsciiPrefixStopsAtTheFirstHighByte) {
  EXPECT_EQ(ascii_prefix_length(""), 0u);
  EXPECT_EQ(ascii_prefix_length(std::string(19, 'a')), 19u);
  for (std::size_t at = 0; at < 19; ++at) {
    std::string text(19, 'a');
    text[at] = '\xc3';
    EXPECT_EQ(ascii_prefix_length(text), at);
  }
}

TEST(Utf8, RepairReplacesOnlyInvalidBytes) {
  EXPECT_EQ(to_valid_utf8("plain"), "plain");
  EXPECT_EQ(to_valid_utf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong "/"
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(to_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
}

}  // namespace
}  // namespace streamcache
