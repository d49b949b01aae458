// The adapters against the real things: DynamoItemStore on moto_server and on dynalite (two
// independent DynamoDB implementations), RedisItemCache on redis-server.
#include "items/adapters.h"

#include <chrono>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "cache/redis_connection.h"
#include "support/dynamodb_backends.h"
#include "support/shared_servers.h"
#include "support/wait.h"

namespace streamcache::items {
namespace {

using K = WriteCondition::Kind;
using streamcache::testing::DynamoBackendName;

class Store : public streamcache::testing::WithDynamo<Store> {
 protected:
  void SetUp() override {
    WithDynamo::SetUp();
    if (IsSkipped()) return;
    auto client = aws::DynamoDbClient::from_env(fixed_env(dynamo().aws_env()));
    ASSERT_TRUE(client) << client.error();
    dynamodb_ = std::make_unique<aws::DynamoDbClient>(std::move(*client));
    aws::CreateTableRequest create;
    create.table = "items";
    create.hash_key = {"id", 'S'};
    ASSERT_TRUE(streamcache::testing::create_active_table(*dynamodb_, create));
    store_ = std::make_unique<DynamoItemStore>(*dynamodb_, "items");
  }
  static json::Value row(std::string_view text) { return *json::parse(text); }
  std::optional<json::Value> read(std::string_view id) {
    auto stored = store_->get(id);
    EXPECT_TRUE(stored) << stored.error().message;
    return stored ? std::move(*stored) : std::nullopt;
  }

  std::unique_ptr<aws::DynamoDbClient> dynamodb_;
  std::unique_ptr<DynamoItemStore> store_;
};

TEST_P(Store, ConditionalPutsFollowTheWriteCondition) {
  ASSERT_TRUE(store_->put(row(R"({"id":"a","version":1,"n":1.5,"m":{"x":[true,null]}})"),
                          {K::creatable, 0}));
  auto again = store_->put(row(R"({"id":"a","version":2})"), {K::creatable, 0});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreError::Kind::conflict);
  auto stale = store_->put(row(R"({"id":"a","version":3})"), {K::version_equals, 7});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, StoreError::Kind::conflict);
  ASSERT_TRUE(store_->put(row(R"({"id":"a","version":3})"), {K::version_equals, 1}));
  EXPECT_EQ(json::serialize(canonical(*read("a"))), R"({"id":"a","version":3})");  // replaced

  ASSERT_TRUE(store_->put(row(R"({"id":"u","x":1})"), {K::creatable, 0}));
  EXPECT_FALSE(store_->put(row(R"({"id":"u","version":5})"), {K::version_equals, 0}));
  EXPECT_TRUE(store_->put(row(R"({"id":"u","version":5})"), {K::unversioned, 0}));
  EXPECT_FALSE(store_->put(row(R"({"id":"u","version":6})"), {K::unversioned, 0}));
}

TEST_P(Store, AConflictCarriesTheCurrentRow) {
  ASSERT_TRUE(store_->put(row(R"({"id":"c","version":4,"who":"first"})"), {K::creatable, 0}));
  auto lost = store_->put(row(R"({"id":"c","version":5})"), {K::version_equals, 3});
  ASSERT_FALSE(lost);
  ASSERT_TRUE(lost.error().current);
  EXPECT_EQ(json::serialize(canonical(*lost.error().current)),
            R"({"id":"c","version":4,"who":"first"})");
  auto none = store_->put(row(R"({"id":"n","version":5})"), {K::version_equals, 3});
  ASSERT_FALSE(none);
  EXPECT_FALSE(none.error().current);
}

TEST_P(Store, DeletedMarkersGateReCreatesAndHideFromLists) {
  ASSERT_TRUE(store_->put(row(R"({"id":"d","version":4})"), {K::creatable, 0}));
  const json::Value marker = deleted_marker("d", 9, 1'700'000'000'000'000);
  auto below = store_->put(marker, {K::live_below, 0});
  ASSERT_TRUE(below) << below.error().message;
  EXPECT_TRUE(is_deleted_marker(*read("d")));
  // Deleting a deleted item, or re-creating it at or below the marker's version, is refused.
  EXPECT_FALSE(store_->put(deleted_marker("d", 10, 0), {K::live_below, 0}));
  EXPECT_FALSE(store_->put(row(R"({"id":"d","version":9})"), {K::creatable, 0}));
  ASSERT_TRUE(store_->put(row(R"({"id":"d","version":10})"), {K::creatable, 0}));
  // A live item at or above the marker's version is not deleted by it.
  EXPECT_FALSE(store_->put(deleted_marker("d", 10, 0), {K::live_below, 0}));

  ASSERT_TRUE(store_->put(row(R"({"id":"e","version":1})"), {K::creatable, 0}));
  ASSERT_TRUE(store_->put(deleted_marker("e", 2, 0), {K::live_below, 0}));
  auto page = store_->list(10, std::nullopt);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(*page->items[0].get_string("id"), "d");
}

TEST_P(Store, ListPagesThroughEveryItem) {
  for (int i = 0; i < 7; ++i) {
    std::string id = "i" + std::to_string(i);
    ASSERT_TRUE(store_->put(row(R"({"id":")" + id + R"(","version":1})"), {K::creatable, 0}));
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

INSTANTIATE_TEST_SUITE_P(Backends, Store, streamcache::testing::all_dynamo_backends(),
                         DynamoBackendName{});

class StreamCache : public streamcache::testing::WithRedisAndMoto<StreamCache> {
 protected:
  void SetUp() override { reset_servers(); }
};

TEST_F(StreamCache, BatchMixesVersionedOpsAndInvalidationsInOneRoundTrip) {
  auto options = cache::connection_options_from_url(redis_->url());
  ASSERT_TRUE(options);
  auto item_cache = cache::ItemCache::create(*options);
  ASSERT_TRUE(item_cache);
  RedisItemCache cache(*item_cache);
  std::vector<StreamOp> ops = {
      {StreamOp::Kind::apply, "a", 5, R"({"id":"a"})", 0},
      {StreamOp::Kind::invalidate, "a", 0, "", 1},
      {StreamOp::Kind::apply, "a", 5, R"({"id":"a","v":5})", 2},
      {StreamOp::Kind::tombstone, "b", 9, "", 3},
      {StreamOp::Kind::apply, "b", 8, R"({"id":"b"})", 4},
      {StreamOp::Kind::fence, "c", 4, "", 5},
      {StreamOp::Kind::apply, "c", 3, R"({"id":"c"})", 6},
  };
  StreamResults results;
  cache.execute(ops, results, Deadline::never());
  ASSERT_EQ(results.size(), ops.size());
  EXPECT_EQ(*results[0], cache::WriteResult::applied);
  EXPECT_EQ(*results[1], cache::WriteResult::applied);
  EXPECT_EQ(*results[2], cache::WriteResult::stale);  // fenced above 5: a late fill of 5 is refused
  EXPECT_EQ(*results[3], cache::WriteResult::applied);
  EXPECT_EQ(*results[4], cache::WriteResult::stale);
  EXPECT_EQ(*results[5], cache::WriteResult::applied);
  EXPECT_EQ(*results[6], cache::WriteResult::stale);
  auto a = cache.get("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, cache::GetResult::Status::miss);
  EXPECT_EQ(redis_->cli({"GET", "item:{a}"}), "F0000000000000006");
  redis_->kill();
  cache.execute(ops, results, Deadline::never());
  ASSERT_EQ(results.size(), ops.size());
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().unavailable()) << cache::describe(r.error());
  }
  redis_->restart();
}

// The ops of a batch sent ahead are in Redis before the batch is executed; execute() answers all.
TEST_F(StreamCache, PlannedOpsReachRedisBeforeTheBatchIsExecuted) {
  auto options = cache::connection_options_from_url(redis_->url());
  ASSERT_TRUE(options);
  auto item_cache = cache::ItemCache::create(*options);
  ASSERT_TRUE(item_cache);
  std::vector<std::string> documents;
  tracing::Tracer tracer([&](std::string_view d) { documents.emplace_back(d); });
  tracer.begin_invocation(
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
      "Sampled=1");
  RedisItemCache cache(*item_cache, &tracer);
  std::vector<StreamOp> ops;
  for (std::size_t i = 0; i < 200; ++i) {
    std::string id = "r" + std::to_string(i);
    ops.push_back({StreamOp::Kind::apply, id, 3,
                   R"({"id":")" + id + R"(","pad":")" + std::string(1000, 'p') + R"("})", i});
  }
  ops.push_back({StreamOp::Kind::tombstone, "r0", 4, "", 200});  // in the part not sent ahead
  cache.start_batch(Deadline::never());
  for (std::size_t i = 0; i < 100; ++i)
    cache.send_planned(std::span(ops).subspan(i, 1));
  EXPECT_TRUE(streamcache::testing::wait_until([&] {
    return redis_->cli({"EXISTS", "item:{r1}"}) == "1";
  }));
  const double before_execute =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  StreamResults results;
  cache.execute(ops, results, Deadline::never());
  ASSERT_EQ(results.size(), ops.size());
  for (const auto& result : results) {
    ASSERT_TRUE(result) << cache::describe(result.error());
    EXPECT_EQ(*result, cache::WriteResult::applied);
  }
  // One Redis subsegment for the batch, from its first op sent ahead.
  ASSERT_EQ(documents.size(), 1u);
  const std::string& document = documents[0];
  const auto body = json::parse(document.substr(document.find('\n') + 1));
  ASSERT_TRUE(body) << document;
  EXPECT_LT(std::stod(body->find("start_time")->as_number().text), before_execute) << document;
  EXPECT_NE(document.find(R"("cache_ops":201)"), std::string::npos) << document;
  EXPECT_NE(document.find(R"("cache_applied":201)"), std::string::npos) << document;
  auto r0 = cache.get("r0");
  ASSERT_TRUE(r0);
  EXPECT_EQ(r0->status, cache::GetResult::Status::not_found);
  EXPECT_EQ(redis_->cli({"DBSIZE"}), "200");
}

}  // namespace
}  // namespace streamcache::items
