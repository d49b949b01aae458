#include "cache/resp.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

namespace streamcache::cache {
namespace {

// hiredis' own formatter, as the reference the buffer must match byte for byte.
std::string hiredis_format(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* out = nullptr;
  const int length =
      redisFormatCommandArgv(&out, static_cast<int>(args.size()), argv.data(), lengths.data());
  std::string formatted(out, static_cast<std::size_t>(length));
  redisFreeCommand(out);
  return formatted;
}

std::vector<Reply> parse_all(std::string_view bytes, std::size_t chunk) {
  ReplyReader reader;
  std::vector<Reply> replies;
  for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
    EXPECT_TRUE(reader.feed(bytes.substr(pos, chunk)));
    Reply reply;
    while (true) {
      auto got = reader.next(reply);
      EXPECT_TRUE(got);
      if (!got || !*got) break;
      replies.push_back(std::move(reply));
    }
  }
  return replies;
}

TEST(CommandBuffer, MatchesHiredisFormatting) {
  CommandBuffer buffer;
  buffer.add({"SET", "key", "value"});
  buffer.add({"GET", std::string_view("bin\0ary\r\n", 9)});
  buffer.add({"EMPTY", ""});
  const std::string expected = hiredis_format({"SET", "key", "value"}) +
                               hiredis_format({"GET", std::string("bin\0ary\r\n", 9)}) +
                               hiredis_format({"EMPTY", ""});
  EXPECT_EQ(buffer.bytes(), expected);
  EXPECT_EQ(buffer.commands(), 3u);
}

TEST(CommandBuffer, PiecewiseArgumentsAndIntegers) {
  CommandBuffer buffer;
  buffer.begin(4);
  buffer.arg("EVALSHA");
  buffer.arg({"head", "", "-body"});
  buffer.arg(std::int64_t{-42});
  buffer.arg(std::int64_t{1234567890123});
  EXPECT_EQ(buffer.bytes(), hiredis_format({"EVALSHA", "head-body", "-42", "1234567890123"}));
  EXPECT_EQ(buffer.commands(), 1u);
}

TEST(CommandBuffer, ClearKeepsNothingButCapacity) {
  CommandBuffer buffer;
  buffer.add({"PING"});
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_TRUE(buffer.bytes().empty());
  buffer.add({"PING"});
  EXPECT_EQ(buffer.bytes(), "*1\r\n$4\r\nPING\r\n");
}

TEST(ReplyReader, ParsesEveryType) {
  const std::string bytes =
      "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n"
      "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+s\r\n*0\r\n*-1\r\n";
  for (std::size_t chunk : {bytes.size(), std::size_t{1}, std::size_t{3}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    auto r = parse_all(bytes, chunk);
    ASSERT_EQ(r.size(), 10u);
    EXPECT_EQ(r[0].type, Reply::Type::status);
    EXPECT_EQ(r[0].str, "OK");
    EXPECT_TRUE(r[1].is_error());
    EXPECT_EQ(r[1].str, "ERR wrong");
    EXPECT_EQ(r[1].error_prefix(), "ERR");
    EXPECT_EQ(r[2].integer, 42);
    EXPECT_EQ(r[3].integer, -7);
    EXPECT_EQ(r[4].type, Reply::Type::string);
    EXPECT_EQ(r[4].str, "hello");
    EXPECT_TRUE(r[5].is_nil());
    EXPECT_EQ(r[6].type, Reply::Type::string);
    EXPECT_EQ(r[6].str, "");
    ASSERT_EQ(r[7].type, Reply::Type::array);
    ASSERT_EQ(r[7].elements.size(), 3u);
    EXPECT_EQ(r[7].elements[0].integer, 1);
    ASSERT_EQ(r[7].elements[1].elements.size(), 2u);
    EXPECT_EQ(r[7].elements[1].elements[0].str, "a");
    EXPECT_TRUE(r[7].elements[1].elements[1].is_nil());
    EXPECT_EQ(r[7].elements[2].type, Reply::Type::status);
    EXPECT_EQ(r[8].type, Reply::Type::array);
    EXPECT_TRUE(r[8].elements.empty());
    EXPECT_TRUE(r[9].is_nil());
  }
}

TEST(ReplyReader, BinaryBulkStrings) {
  auto r = parse_all(std::string("$4\r\na\0\r\n\r\n", 10), 2);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].str, std::string("a\0\r\n", 4));
}

TEST(ReplyReader, IncompleteReplyWaitsForMoreBytes) {
  ReplyReader reader;
  ASSERT_TRUE(reader.feed("$9\r\nhalf"));
  Reply reply;
  auto got = reader.next(reply);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
  ASSERT_TRUE(reader.feed("-done\r\n"));
  got = reader.next(reply);
  ASSERT_TRUE(got);
  ASSERT_TRUE(*got);
  EXPECT_EQ(reply.str, "half-done");
}

TEST(ReplyReader, ProtocolErrorIsFinalUntilReset) {
  ReplyReader reader;
  ASSERT_TRUE(reader.feed("?what\r\n"));
  Reply reply;
  auto got = reader.next(reply);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::protocol);
  EXPECT_FALSE(reader.feed("+OK\r\n"));
  reader.reset();
  ASSERT_TRUE(reader.feed("+OK\r\n"));
  got = reader.next(reply);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(reply.str, "OK");
}

TEST(ReplyReader, RefusesHugeArraysWithoutAllocating) {
  ReplyReader reader;
  ASSERT_TRUE(reader.feed("*2000000000\r\n"));
  Reply reply;
  auto got = reader.next(reply);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::protocol);
}

TEST(ReplyReader, ManyRepliesInOneFeed) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) {
    bytes += ':';
    bytes += std::to_string(i);
    bytes += "\r\n";
  }
  auto r = parse_all(bytes, bytes.size());
  ASSERT_EQ(r.size(), 1000u);
  EXPECT_EQ(r[999].integer, 999);
}

TEST(ReplyReader, MovedReaderKeepsWorking) {
  ReplyReader first;
  ASSERT_TRUE(first.feed("$3\r\nab"));
  ReplyReader second = std::move(first);
  ASSERT_TRUE(second.feed("c\r\n"));
  Reply reply;
  auto got = second.next(reply);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(reply.str, "abc");
}

TEST(Reply, ErrorPrefixIsTheFirstWord) {
  Reply reply{Reply::Type::error, "NOSCRIPT No matching script.", 0, {}};
  EXPECT_EQ(reply.error_prefix(), "NOSCRIPT");
  reply.type = Reply::Type::status;
  EXPECT_EQ(reply.error_prefix(), "");
}

}  // namespace
}  // namespace streamcache::cache
