// Hash slots (the Redis cluster spec's vectors and hash tag rules) and the pure parsing of
// CLUSTER SLOTS, MOVED and ASK, without a server.
#include "cache/cluster_topology.h"

#include <gtest/gtest.h>

#include "cache/hash_slot.h"
#include "cache/item_cache_factory.h"
#include "cache/item_protocol.h"

namespace streamcache::cache {
namespace {

Reply integer(std::int64_t value) {
  Reply reply;
  reply.type = Reply::Type::integer;
  reply.integer = value;
  return reply;
}
Reply string(std::string value) {
  Reply reply;
  reply.type = Reply::Type::string;
  reply.str = std::move(value);
  return reply;
}
Reply array(std::vector<Reply> elements) {
  Reply reply;
  reply.type = Reply::Type::array;
  reply.elements = std::move(elements);
  return reply;
}
Reply error(std::string text) {
  Reply reply;
  reply.type = Reply::Type::error;
  reply.str = std::move(text);
  return reply;
}

TEST(HashSlot, Crc16XmodemMatchesTheSpecVector) {
  EXPECT_EQ(crc16_xmodem("123456789"), 0x31C3);
  EXPECT_EQ(crc16_xmodem(""), 0);
}

TEST(HashSlot, KnownKeys) {
  EXPECT_EQ(hash_slot("123456789"), 0x31C3 % 16384);
  EXPECT_EQ(hash_slot("foo"), 12182);
  EXPECT_EQ(hash_slot("bar"), 5061);
  EXPECT_EQ(hash_slot("hello"), 866);
  EXPECT_EQ(hash_slot(""), 0);
}

TEST(HashSlot, HashTagRules) {
  // The spec's examples: the first '{' and the next '}' delimit the tag when it is not empty.
  EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("user1000"));
  EXPECT_EQ(hash_slot("{user1000}.followers"), hash_slot("user1000"));
  EXPECT_EQ(hash_slot("foo{}{bar}"), crc16_xmodem("foo{}{bar}") % 16384);  // empty tag: whole key
  EXPECT_EQ(hash_slot("foo{{bar}}zap"), hash_slot("{bar"));
  EXPECT_EQ(hash_slot("foo{bar}{zap}"), hash_slot("bar"));
  EXPECT_EQ(hash_slot("foo{bar"), crc16_xmodem("foo{bar") % 16384);  // no '}': whole key
}

TEST(HashSlot, ItemKeysHashTheirWholeIdEvenWithBraces) {
  EXPECT_EQ(hash_slot(item_key("lamp-1")), hash_slot("lamp-1"));
  // '{' and '}' in ids are escaped, so the tag is still the whole (escaped) id.
  EXPECT_EQ(hash_slot(item_key("a}b")), hash_slot("a%7Db"));
  EXPECT_EQ(hash_slot(item_key("{x}")), hash_slot("%7Bx%7D"));
}

TEST(ClusterSlots, ParsesRangesAndPrimaries) {
  const Reply reply = array({
      array({integer(0), integer(5460), array({string("10.0.0.1"), integer(6379), string("id1")}),
             array({string("10.0.0.4"), integer(6379), string("id4")})}),
      array({integer(5461), integer(16383), array({string(""), integer(7001), string("id2")})}),
  });
  auto ranges = slot_ranges_from_cluster_slots(reply, "seed.example");
  ASSERT_TRUE(ranges) << describe(ranges.error());
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[0].primary, (NodeAddress{"10.0.0.1", 6379}));
  // An unannounced endpoint is the node that was asked.
  EXPECT_EQ((*ranges)[1].primary, (NodeAddress{"seed.example", 7001}));
}

TEST(ClusterSlots, RefusesMalformedReplies) {
  EXPECT_FALSE(slot_ranges_from_cluster_slots(string("x"), "h"));
  EXPECT_FALSE(slot_ranges_from_cluster_slots(array({array({integer(0), integer(1)})}), "h"));
  EXPECT_FALSE(slot_ranges_from_cluster_slots(
      array({array({integer(5), integer(16384), array({string("h"), integer(1)})})}), "h"));
  EXPECT_FALSE(slot_ranges_from_cluster_slots(
      array({array({integer(9), integer(3), array({string("h"), integer(1)})})}), "h"));
  EXPECT_FALSE(slot_ranges_from_cluster_slots(
      array({array({integer(0), integer(3), array({string("h"), integer(0)})})}), "h"));
  const auto refused =
      slot_ranges_from_cluster_slots(error("ERR This instance has cluster support disabled"), "h");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("cluster support disabled"), std::string::npos);
}

TEST(Redirects, MovedAndAsk) {
  auto moved = redirect_of(error("MOVED 3999 127.0.0.1:6381"), "seed");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->kind, Redirect::Kind::moved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to, (NodeAddress{"127.0.0.1", 6381}));

  auto ask = redirect_of(error("ASK 12182 ::1:7002"), "seed");
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->kind, Redirect::Kind::ask);
  EXPECT_EQ(ask->to, (NodeAddress{"::1", 7002}));
  EXPECT_EQ(ask->to.text(), "[::1]:7002");

  auto same_host = redirect_of(error("MOVED 1 :7003"), "10.1.2.3");
  ASSERT_TRUE(same_host);
  EXPECT_EQ(same_host->to, (NodeAddress{"10.1.2.3", 7003}));
}

TEST(Redirects, OtherRepliesAreNotRedirects) {
  EXPECT_FALSE(redirect_of(error("NOSCRIPT No matching script"), "h"));
  EXPECT_FALSE(redirect_of(error("MOVED"), "h"));
  EXPECT_FALSE(redirect_of(error("MOVED 16384 h:1"), "h"));
  EXPECT_FALSE(redirect_of(error("MOVED 12 h:0"), "h"));
  EXPECT_FALSE(redirect_of(error("MOVED x h:1"), "h"));
  EXPECT_FALSE(redirect_of(error("MOVEDX 1 h:1"), "h"));
  EXPECT_FALSE(redirect_of(string("MOVED 1 h:1"), "h"));
}

TEST(ClusterMode, ParsesTheValuesOfRedisCluster) {
  EXPECT_EQ(parse_cluster_mode("auto").value(), ClusterMode::detect);
  EXPECT_EQ(parse_cluster_mode("on").value(), ClusterMode::on);
  EXPECT_EQ(parse_cluster_mode("off").value(), ClusterMode::off);
  const auto bad = parse_cluster_mode("yes");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().message.find("auto, on, off"), std::string::npos);
}

TEST(ClusterMode, ClusterOptionsAndDatabasesAreChecked) {
  ConnectionOptions options;
  options.endpoint.host = "127.0.0.1";
  options.endpoint.db = 2;
  const auto db = ClusterItemCache::create(options);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("only database 0"), std::string::npos);
  options.endpoint.db = 0;
  ClusterOptions cluster;
  cluster.max_rounds = 0;
  EXPECT_FALSE(ClusterItemCache::create(options, {}, cluster));
}

}  // namespace
}  // namespace streamcache::cache
