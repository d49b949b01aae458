// The adapters against the real things: DynamoItemStore on moto_server, RedisItemCache on
// redis-server.
#include "items/adapters.h"

#include <set>

#include <gtest/gtest.h>

#include "cache/redis_connection.h"
#include "support/shared_servers.h"

namespace streamcache::items {
namespace {

class Adapters : public streamcache::testing::WithRedisAndMoto<Adapters> {
 protected:
  void SetUp() override {
    reset_servers();
    auto client = aws::DynamoDbClient::from_env(fixed_env(moto_->aws_env()));
    ASSERT_TRUE(client) << client.error();
    dynamodb_ = std::make_unique<aws::DynamoDbClient>(std::move(*client));
    aws::CreateTableRequest create;
    create.table = "t";
    create.hash_key = {"id", 'S'};
    ASSERT_TRUE(dynamodb_->create_table(create));
    store_ = std::make_unique<DynamoItemStore>(*dynamodb_, "t");
  }
  static json::Value item(std::string_view text) { return *json::parse(text); }

  std::unique_ptr<aws::DynamoDbClient> dynamodb_;
  std::unique_ptr<DynamoItemStore> store_;
};

TEST_F(Adapters, ConditionalPutsFollowTheWriteCondition) {
  using K = WriteCondition::Kind;
  ASSERT_TRUE(store_->put(item(R"({"id":"a","version":1,"n":1.50,"m":{"x":[true,null]}})"),
                          {K::absent, 0}));
  auto again = store_->put(item(R"({"id":"a","version":2})"), {K::absent, 0});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreError::Kind::conflict);
  auto stale = store_->put(item(R"({"id":"a","version":3})"), {K::version_equals, 7});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, StoreError::Kind::conflict);
  ASSERT_TRUE(store_->put(item(R"({"id":"a","version":3})"), {K::version_equals, 1}));
  auto read = store_->get("a");
  ASSERT_TRUE(read);
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(json::serialize(canonical(**read)), R"({"id":"a","version":3})");  // whole replace

  ASSERT_TRUE(store_->put(item(R"({"id":"u","x":1})"), {K::absent, 0}));
  EXPECT_FALSE(store_->put(item(R"({"id":"u","version":5})"), {K::version_equals, 0}));
  EXPECT_TRUE(store_->put(item(R"({"id":"u","version":5})"), {K::unversioned, 0}));
  EXPECT_FALSE(store_->put(item(R"({"id":"u","version":6})"), {K::unversioned, 0}));
}

TEST_F(Adapters, RemoveReturnsTheDeletedItemOrConflicts) {
  ASSERT_TRUE(store_->put(item(R"({"id":"d","version":4})"), {WriteCondition::Kind::absent, 0}));
  auto mismatch = store_->remove("d", Version{3});
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().kind, StoreError::Kind::conflict);
  auto removed = store_->remove("d", Version{4});
  ASSERT_TRUE(removed);
  EXPECT_EQ(version_of(*removed), 4u);
  auto absent = store_->remove("d", std::nullopt);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().kind, StoreError::Kind::conflict);
  auto none = store_->get("d");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_F(Adapters, ListPagesThroughEveryItem) {
  for (int i = 0; i < 7; ++i) {
    std::string id = "i" + std::to_string(i);
    ASSERT_TRUE(store_->put(item(R"({"id":")" + id + R"(","version":1})"),
                            {WriteCondition::Kind::absent, 0}));
  }
  std::set<std::string> seen;
  std::optional<std::string> start;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->list(3, start);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_LE(page->items.size(), 3u);
    for (const auto& i : page->items)
      seen.insert(std::string(*i.get_string("id")));
    if (!page->last_id) break;
    start = page->last_id;
  }
  EXPECT_EQ(seen.size(), 7u);
}

TEST_F(Adapters, StreamBatchMixesVersionedOpsAndInvalidationsInOrder) {
  auto options = cache::connection_options_from_url(redis_->url());
  ASSERT_TRUE(options);
  auto item_cache = cache::ItemCache::create(*options);
  ASSERT_TRUE(item_cache);
  RedisItemCache cache(*item_cache);
  std::vector<StreamOp> ops = {
      {StreamOp::Kind::apply, "a", 5, R"({"id":"a"})", 0},
      {StreamOp::Kind::invalidate, "a", 0, "", 1},
      {StreamOp::Kind::apply, "a", 3, R"({"id":"a","v":3})", 2},
      {StreamOp::Kind::tombstone, "b", 9, "", 3},
      {StreamOp::Kind::apply, "b", 8, R"({"id":"b"})", 4},
  };
  StreamResults results;
  cache.execute(ops, results);
  ASSERT_EQ(results.size(), ops.size());
  EXPECT_EQ(*results[0], cache::WriteResult::applied);
  EXPECT_EQ(*results[1], cache::WriteResult::applied);
  EXPECT_EQ(*results[2], cache::WriteResult::applied);  // after the DEL, an older version fills
  EXPECT_EQ(*results[3], cache::WriteResult::applied);
  EXPECT_EQ(*results[4], cache::WriteResult::stale);
  auto a = cache.get("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->version, 3u);
  redis_->kill();
  cache.execute(ops, results);
  ASSERT_EQ(results.size(), ops.size());
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().unavailable()) << cache::describe(r.error());
  }
  redis_->restart();
}

}  // namespace
}  // namespace streamcache::items
