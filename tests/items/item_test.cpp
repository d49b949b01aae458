#include "items/item.h"

#include <gtest/gtest.h>

namespace streamcache::items {
namespace {

TEST(ItemId, AcceptsUrlSafeCharactersUpTo128) {
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id("Az09._~-"));
  EXPECT_TRUE(is_valid_id(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(129, 'x')));
  EXPECT_FALSE(is_valid_id("a/b"));
  EXPECT_FALSE(is_valid_id("a b"));
  EXPECT_FALSE(is_valid_id("é"));
  EXPECT_FALSE(is_valid_id("{x}"));
}

TEST(Version, IsMaxOfPreviousPlusOneAndNow) {
  EXPECT_EQ(next_version(std::nullopt, 1000), 1000u);
  EXPECT_EQ(next_version(5, 1000), 1000u);
  EXPECT_EQ(next_version(1000, 1000), 1001u);  // clock behind: still strictly increasing
  EXPECT_EQ(next_version(5000, 1000), 5001u);
  EXPECT_EQ(next_version(std::nullopt, -3), 1u);
  EXPECT_EQ(next_version(kMaxVersion, 1), kMaxVersion);
}

TEST(Version, ReadsOnlyExactIntegersInRange) {
  EXPECT_EQ(version_of(*json::parse(R"({"version":42})")), 42u);
  EXPECT_EQ(version_of(*json::parse(R"({"version":"42"})")), std::nullopt);
  EXPECT_EQ(version_of(*json::parse(R"({"version":4.2})")), std::nullopt);
  EXPECT_EQ(version_of(*json::parse(R"({"version":-1})")), std::nullopt);
  EXPECT_EQ(version_of(*json::parse(R"({"version":9007199254740992})")), std::nullopt);
  EXPECT_EQ(version_of(*json::parse(R"({})")), std::nullopt);
}

TEST(Timestamp, IsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(format_timestamp(1'700'000'000'123'456), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000Z");
}

// 8-4-4-4-12 lower-case hex, version nibble 4, variant 10xx (RFC 9562).
bool is_uuid_v4(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return text[14] == '4' &&
         (text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
}

TEST(Uuid, IsVersion4) {
  std::string a = random_uuid();
  EXPECT_TRUE(is_uuid_v4(a)) << a;
  EXPECT_FALSE(is_uuid_v4("00000000-0000-1000-8000-000000000000"));
  EXPECT_NE(a, random_uuid());
  EXPECT_TRUE(is_valid_id(a));
}

TEST(Canonical, SortsMembersRecursivelyAndKeepsNumbersExact) {
  auto v = canonical(*json::parse(
      R"({"b":[{"z":1,"a":2}],"a":{"y":1.50,"x":12345678901234567890123456789012345678}})"));
  EXPECT_EQ(json::serialize(v),
            R"({"a":{"x":12345678901234567890123456789012345678,"y":1.50},"b":[{"a":2,"z":1}]})");
}

TEST(UserDocument, ValidatesShapeAndServerOwnedMembers) {
  EXPECT_TRUE(validate_user_document(*json::parse(R"({"a":1})"), std::nullopt));
  EXPECT_TRUE(validate_user_document(*json::parse(R"({"id":"x","a":1})"), "x"));
  auto check = [](std::string_view text, std::string_view needle) {
    auto r = validate_user_document(*json::parse(text), std::nullopt);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
  };
  check(R"([1])", "object");
  check(R"({"version":1})", "`version` is owned by the server");
  check(R"({"createdAt":"x"})", "`createdAt`");
  check(R"({"updatedAt":"x"})", "`updatedAt`");
  check(R"({"id":"a/b"})", "`id` must be");
  check(R"({"id":7})", "`id` must be");
  check(R"({"n":1e200})", "invalid value");
  auto differs = validate_user_document(*json::parse(R"({"id":"y"})"), "x");
  ASSERT_FALSE(differs);
  EXPECT_NE(differs.error().find("differs"), std::string::npos);
}

TEST(MergePatch, FollowsRfc7396) {
  auto patched = merge_patch(*json::parse(R"({"a":"b","c":{"d":"e","f":"g"}})"),
                             *json::parse(R"({"a":"z","c":{"f":null},"n":{"x":null,"y":1}})"));
  EXPECT_EQ(json::serialize(patched), R"({"a":"z","c":{"d":"e"},"n":{"y":1}})");
  EXPECT_EQ(
      json::serialize(merge_patch(*json::parse(R"({"a":[1,2]})"), *json::parse(R"({"a":[3]})"))),
      R"({"a":[3]})");
}

TEST(ETag, ComparesStrongForIfMatchAndWeakForIfNoneMatch) {
  EXPECT_EQ(etag_of(7), "\"7\"");
  EXPECT_TRUE(if_match_matches("\"7\"", 7));
  EXPECT_TRUE(if_match_matches("\"1\", \"7\"", 7));
  EXPECT_TRUE(if_match_matches("*", 7));
  EXPECT_FALSE(if_match_matches("*", std::nullopt));
  EXPECT_FALSE(if_match_matches("W/\"7\"", 7));
  EXPECT_FALSE(if_match_matches("\"8\"", 7));
  EXPECT_TRUE(if_none_match_matches("W/\"7\"", 7));
  EXPECT_TRUE(if_none_match_matches("*", 7));
  EXPECT_FALSE(if_none_match_matches("\"8\"", 7));
}

}  // namespace
}  // namespace streamcache::items
