#include "cache/item_protocol.h"

#include <limits>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace streamcache::cache {
namespace {

using std::chrono::milliseconds;

TEST(Version, AcceptsZeroToTwoToThe53MinusOne) {
  EXPECT_TRUE(validate_version(0));
  EXPECT_TRUE(validate_version(1712345678901234));
  EXPECT_TRUE(validate_version(kMaxVersion));
  EXPECT_EQ(kMaxVersion, 9007199254740991u);
}

TEST(Version, RejectsTwoToThe53AndAbove) {
  for (Version v : {kMaxVersion + 1, std::numeric_limits<Version>::max()}) {
    auto valid = validate_version(v);
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(valid.error().message.find("[0, 2^53)"), std::string::npos);
  }
}

TEST(Version, ParsesOnlyPlainDecimals) {
  EXPECT_EQ(parse_version("0").value(), 0u);
  EXPECT_EQ(parse_version("007").value(), 7u);
  EXPECT_EQ(parse_version("9007199254740991").value(), kMaxVersion);
  for (const char* bad : {"", "-1", "+1", "1.5", "1e3", " 1", "1 ", "0x10", "9007199254740992",
                          "99999999999999999999999", "abc"}) {
    auto parsed = parse_version(bad);
    EXPECT_FALSE(parsed) << "'" << bad << "'";
    if (!parsed) {
      EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument);
    }
  }
}

TEST(ItemId, MustBeOneTo2048Bytes) {
  EXPECT_TRUE(validate_id("a"));
  EXPECT_TRUE(validate_id(std::string(kMaxIdBytes, 'x')));
  EXPECT_FALSE(validate_id(""));
  auto too_long = validate_id(std::string(kMaxIdBytes + 1, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("2048"), std::string::npos);
}

TEST(ItemKey, PlainIdsAreUsedVerbatimInsideTheHashTag) {
  EXPECT_EQ(item_key("abc-123_X.y~z"), "item:{abc-123_X.y~z}");
  EXPECT_EQ(item_key("user:42"), "item:{user:42}");
}

TEST(ItemKey, BracesAndPercentAreEscapedSoTheTagCoversTheWholeId) {
  EXPECT_EQ(item_key("a}b"), "item:{a%7Db}");
  EXPECT_EQ(item_key("{x}"), "item:{%7Bx%7D}");
  EXPECT_EQ(item_key("50%"), "item:{50%25}");
  // The tag Redis Cluster hashes: from the first '{' to the first '}' after it.
  for (std::string id : {"a}b", "}{", "{}", "%7D", "x{y}z"}) {
    const std::string key = item_key(id);
    const auto open = key.find('{');
    const auto close = key.find('}', open + 1);
    EXPECT_EQ(close, key.size() - 1) << key;
  }
}

TEST(ItemKey, DistinctIdsNeverShareAKey) {
  std::set<std::string> keys;
  const std::vector<std::string> ids = {
      "a}", "a%7D", "a%257D", "a%", "a%25", "a", "a{", "a%7B", std::string("a\0", 2)};
  for (const auto& id : ids)
    keys.insert(item_key(id));
  EXPECT_EQ(keys.size(), ids.size());
}

TEST(ItemKey, BinaryBytesPassThrough) {
  EXPECT_EQ(item_key(std::string("\0\xff", 2)), std::string("item:{\0\xff}", 9));
}

TEST(Entry, HeaderIsKindAndSixteenDigits) {
  auto header = encode_header(EntryKind::item, 42);
  EXPECT_EQ(std::string_view(header.data(), header.size()), "I0000000000000042");
  header = encode_header(EntryKind::tombstone, kMaxVersion);
  EXPECT_EQ(std::string_view(header.data(), header.size()), "T9007199254740991");
  header = encode_header(EntryKind::negative, 0);
  EXPECT_EQ(std::string_view(header.data(), header.size()), "N0000000000000000");
}

TEST(Entry, DecodeRoundTrips) {
  for (auto kind : {EntryKind::item, EntryKind::tombstone, EntryKind::negative, EntryKind::fence}) {
    for (Version v : {Version{0}, Version{1}, Version{1712345678901234}, kMaxVersion}) {
      auto header = encode_header(kind, v);
      std::string value(header.data(), header.size());
      value += R"({"id":"x"})";
      auto entry = decode_entry(value);
      ASSERT_TRUE(entry);
      EXPECT_EQ(entry->kind, kind);
      EXPECT_EQ(entry->version, v);
      EXPECT_EQ(entry->body, R"({"id":"x"})");
    }
  }
}

TEST(Entry, DecodeRejectsForeignValues) {
  for (const char* value : {"", "I000000000000004", "X0000000000000042", "I00000000000000x2",
                            "hello world, not ours", "I9999999999999999"}) {
    EXPECT_FALSE(decode_entry(value)) << value;
  }
}

TEST(TtlJitter, StaysWithinBoundsAtTheExtremes) {
  const milliseconds base(10000);
  EXPECT_EQ(jittered_ttl(base, 0.1, 0), milliseconds(9000));
  const auto top = jittered_ttl(base, 0.1, 2000);  // 2000 % 2001 = 2000 -> +1000
  EXPECT_EQ(top, milliseconds(11000));
  EXPECT_EQ(jittered_ttl(base, 0.0, 12345), base);
  EXPECT_EQ(jittered_ttl(milliseconds(1), 0.5, 99), milliseconds(1));
}

TEST(TtlJitter, RandomDrawsStayInRangeAndSpread) {
  std::mt19937_64 random(7);
  const milliseconds base(3600 * 1000);
  milliseconds low = base, high = base;
  for (int i = 0; i < 100000; ++i) {
    const auto ttl = jittered_ttl(base, 0.1, random());
    ASSERT_GE(ttl, milliseconds(3240 * 1000));
    ASSERT_LE(ttl, milliseconds(3960 * 1000));
    low = std::min(low, ttl);
    high = std::max(high, ttl);
  }
  EXPECT_LT(low, milliseconds(3300 * 1000));  // the draws cover the range, not one point
  EXPECT_GT(high, milliseconds(3900 * 1000));
  EXPECT_EQ(jittered_ttl(base, 0.1, std::numeric_limits<std::uint64_t>::max()) <= base * 11 / 10,
            true);
}

TEST(Script, ShaIsFortyLowercaseHexDigits) {
  const std::string& sha = set_if_newer_sha();
  ASSERT_EQ(sha.size(), 40u);
  for (char c : sha)
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << sha;
  EXPECT_EQ(&sha, &set_if_newer_sha());
}

Reply error(std::string text) {
  return Reply{Reply::Type::error, std::move(text), 0, {}};
}

TEST(ReplyMapping, ErrorRepliesAreTyped) {
  EXPECT_EQ(error_from_reply(error("NOAUTH Authentication required.")).code, ErrorCode::auth);
  EXPECT_EQ(error_from_reply(error("WRONGPASS invalid username-password pair")).code,
            ErrorCode::auth);
  EXPECT_EQ(error_from_reply(error("NOPERM this user has no permissions")).code, ErrorCode::auth);
  EXPECT_EQ(error_from_reply(error("LOADING Redis is loading")).code, ErrorCode::unavailable);
  EXPECT_EQ(error_from_reply(error("READONLY You can't write against a read only replica.")).code,
            ErrorCode::unavailable);
  EXPECT_EQ(error_from_reply(error("BUSY Redis is busy running a script")).code,
            ErrorCode::unavailable);
  const Error wrongtype = error_from_reply(error("WRONGTYPE Operation against a key"));
  EXPECT_EQ(wrongtype.code, ErrorCode::reply);
  EXPECT_NE(wrongtype.message.find("WRONGTYPE"), std::string::npos);
}

// The stream handler retries transient errors inside its budget and reports permanent ones at
// once: a server that cannot serve now heals by waiting, a key or a permission does not.
TEST(ReplyMapping, TransientAndPermanentErrors) {
  for (const char* text :
       {"LOADING Redis is loading the dataset in memory",
        "READONLY You can't write against a replica.", "MASTERDOWN Link with MASTER is down",
        "BUSY Redis is busy running a script.",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "CLUSTERDOWN The cluster is down",
        "OOM command not allowed when used memory > 'maxmemory'.",
        "NOREPLICAS Not enough good replicas to write.",
        "MISCONF Redis is configured to save RDB snapshots, but it's unable to persist to disk."}) {
    const Error e = error_from_reply(error(text));
    EXPECT_EQ(e.code, ErrorCode::unavailable) << text;
    EXPECT_FALSE(e.permanent()) << text;
  }
  for (const char* text :
       {"WRONGTYPE Operation against a key holding the wrong kind of value script: 1a2b, on "
        "@user_script:1.",
        "ERR user_script:1: Script attempted to access nonexistent global variable 'x'",
        "NOPERM User cache has no permissions to run the 'evalsha' command",
        "NOAUTH Authentication required.", "WRONGPASS invalid username-password pair",
        "MOVED 3999 127.0.0.1:6381"}) {
    EXPECT_TRUE(error_from_reply(error(text)).permanent()) << text;
  }
  EXPECT_FALSE((Error{ErrorCode::unavailable, "connect refused"}).permanent());
  for (ErrorCode code : {ErrorCode::invalid_argument, ErrorCode::auth, ErrorCode::tls,
                         ErrorCode::protocol, ErrorCode::reply}) {
    EXPECT_TRUE((Error{code, "x"}).permanent()) << to_string(code);
  }
}

TEST(ReplyMapping, GetReplies) {
  auto miss = get_result_from_reply(Reply{});
  ASSERT_TRUE(miss);
  EXPECT_EQ(miss->status, GetResult::Status::miss);
  EXPECT_FALSE(miss->kind);

  auto hit = get_result_from_reply(Reply{Reply::Type::string, "I0000000000000005{\"a\":1}", 0, {}});
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->status, GetResult::Status::hit);
  EXPECT_EQ(hit->version, 5u);
  EXPECT_EQ(hit->body, "{\"a\":1}");
  EXPECT_EQ(hit->kind, EntryKind::item);

  auto tombstone = get_result_from_reply(Reply{Reply::Type::string, "T0000000000000006", 0, {}});
  ASSERT_TRUE(tombstone);
  EXPECT_EQ(tombstone->status, GetResult::Status::not_found);
  EXPECT_EQ(tombstone->version, 6u);
  EXPECT_EQ(tombstone->kind, EntryKind::tombstone);

  auto negative = get_result_from_reply(Reply{Reply::Type::string, "N0000000000000000", 0, {}});
  ASSERT_TRUE(negative);
  EXPECT_EQ(negative->status, GetResult::Status::not_found);
  EXPECT_EQ(negative->version, 0u);
  EXPECT_EQ(negative->kind, EntryKind::negative);

  auto fence = get_result_from_reply(Reply{Reply::Type::string, "F0000000000000009", 0, {}});
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->status, GetResult::Status::miss);
  EXPECT_EQ(fence->kind, EntryKind::fence);  // the monitor tells a fence from nothing
  EXPECT_EQ(fence->version, 9u);

  auto foreign = get_result_from_reply(Reply{Reply::Type::string, "legacy value", 0, {}});
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, GetResult::Status::miss);
  EXPECT_FALSE(foreign->kind);

  auto failed = get_result_from_reply(error("WRONGTYPE Operation against a key"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::reply);

  auto odd = get_result_from_reply(Reply{Reply::Type::integer, "", 3, {}});
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code, ErrorCode::protocol);
}

TEST(ReplyMapping, WriteReplies) {
  EXPECT_EQ(write_result_from_reply(Reply{Reply::Type::integer, "", 1, {}}).value(),
            WriteResult::applied);
  EXPECT_EQ(write_result_from_reply(Reply{Reply::Type::integer, "", 0, {}}).value(),
            WriteResult::stale);
  auto two = write_result_from_reply(Reply{Reply::Type::integer, "", 2, {}});
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, ErrorCode::protocol);
  auto script_error = write_result_from_reply(error("ERR user_script:1: Script attempted"));
  ASSERT_FALSE(script_error);
  EXPECT_EQ(script_error.error().code, ErrorCode::reply);
}

}  // namespace
}  // namespace streamcache::cache
