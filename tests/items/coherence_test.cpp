// The coherence invariant of ARCHITECTURE.md against real servers: seeded random interleavings of
// API writers, readers (with late fills) and stream application (reordered, duplicated, from
// moto's real DynamoDB Stream); after draining, every cache entry equals the table's item, or is
// absent, or is a tombstone/negative entry for an id that does not exist.
#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "aws/dynamodb_streams.h"
#include "cache/redis_connection.h"
#include "items/adapters.h"
#include "items/api.h"
#include "items/stream.h"
#include "support/shared_servers.h"

namespace streamcache::items {
namespace {

constexpr const char* kTable = "coherence";

// Every record the table's stream holds so far, as Lambda event records (GetRecords' shape is
// the event record's shape).
class StreamReader {
 public:
  StreamReader(aws::DynamoDbStreamsClient& client, std::string arn)
      : client_(client), arn_(std::move(arn)) {}

  std::vector<json::Value> read_new() {
    std::vector<json::Value> out;
    auto description = client_.describe_stream_all_shards(arn_);
    EXPECT_TRUE(description) << description.error().describe();
    if (!description) return out;
    for (const auto& shard : description->shards) {
      auto& iterator = iterators_[shard.id];
      if (iterator.empty()) {
        auto it = client_.get_shard_iterator(arn_, shard.id, aws::IteratorType::trim_horizon);
        EXPECT_TRUE(it) << it.error().describe();
        if (!it) continue;
        iterator = *it;
      }
      for (int page = 0; page < 100 && !iterator.empty(); ++page) {
        auto records = client_.get_records(iterator);
        EXPECT_TRUE(records) << records.error().describe();
        if (!records) break;
        iterator = records->next_iterator;
        for (auto& r : records->records)
          out.push_back(r.raw);
        if (records->records.empty()) break;
      }
    }
    return out;
  }

 private:
  aws::DynamoDbStreamsClient& client_;
  std::string arn_;
  std::map<std::string, std::string> iterators_;
};

class Coherence
    : public streamcache::testing::WithRedisAndMoto<Coherence, ::testing::TestWithParam<unsigned>> {
};

std::string batch_of(std::vector<json::Value> records) {
  json::Value e(json::Object{});
  e.set("Records", json::Array(std::move(records)));
  return json::serialize(e);
}

TEST_P(Coherence, CacheConvergesToTheTable) {
  reset_servers();
  auto env = fixed_env(moto_->aws_env());
  auto dynamodb = aws::DynamoDbClient::from_env(env);
  ASSERT_TRUE(dynamodb) << dynamodb.error();
  aws::CreateTableRequest create;
  create.table = kTable;
  create.hash_key = {"id", 'S'};
  create.stream = aws::StreamView::new_and_old_images;
  auto table = dynamodb->create_table(create);
  ASSERT_TRUE(table) << table.error().describe();
  ASSERT_FALSE(table->latest_stream_arn.empty());
  auto streams = aws::DynamoDbStreamsClient::from_env(env);
  ASSERT_TRUE(streams) << streams.error();
  StreamReader reader(*streams, table->latest_stream_arn);

  auto connection = cache::connection_options_from_url(redis_->url());
  ASSERT_TRUE(connection);
  auto item_cache = cache::ItemCache::create(*connection);
  ASSERT_TRUE(item_cache);
  DynamoItemStore store(*dynamodb, kTable);
  RedisItemCache cache(*item_cache);
  std::mt19937 random(GetParam());
  // A clock that sometimes stalls or runs behind, so versions also come from previous + 1.
  std::int64_t clock = 1'700'000'000'000'000;
  ItemsApi api(store, &cache, ApiOptions{true, [&] {
                                           clock += static_cast<std::int64_t>(random() % 3) - 1;
                                           return clock;
                                         }});

  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  std::vector<json::Value> pending;                        // stream records not yet applied
  std::vector<std::pair<std::string, json::Value>> fills;  // reads whose fill is delayed
  auto pick = [&](const auto& v) { return v[random() % v.size()]; };
  auto request = [&](std::string method, std::string path, std::string body,
                     std::string type = "application/json") {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.headers["content-type"] = std::move(type);
    r.body = std::move(body);
    return api.handle(r);
  };
  for (int step = 0; step < 120; ++step) {
    std::string id = pick(ids);
    switch (random() % 7) {
      case 0:
        request("POST", "/items", R"({"id":")" + id + R"(","s":)" + std::to_string(step) + "}");
        break;
      case 1:
        request("PUT", "/items/" + id, R"({"p":)" + std::to_string(step) + "}");
        break;
      case 2:
        request("PATCH", "/items/" + id, R"({"q":)" + std::to_string(step) + "}",
                "application/merge-patch+json");
        break;
      case 3:
        request("DELETE", "/items/" + id, "");
        break;
      case 4:
        request("GET", "/items/" + id, "");
        break;
      case 5: {
        // A reader that read the table now and fills later (the classic stale-fill race).
        auto read = store.get(id);
        ASSERT_TRUE(read);
        if (read->has_value()) fills.emplace_back(id, **read);
        break;
      }
      case 6: {
        for (auto& r : reader.read_new())
          pending.push_back(std::move(r));
        if (pending.empty()) break;
        // Deliver a random subset in random order, sometimes twice.
        std::shuffle(pending.begin(), pending.end(), random);
        std::size_t n = 1 + random() % pending.size();
        std::vector<json::Value> delivery(pending.begin(), pending.begin() + n);
        if (random() % 2 == 0) pending.erase(pending.begin(), pending.begin() + n);
        auto plan = plan_stream_batch(batch_of(std::move(delivery)));
        ASSERT_TRUE(plan);
        EXPECT_TRUE(apply_stream_plan(*plan, cache).response.batch_item_failures.empty());
        break;
      }
    }
    if (!fills.empty() && random() % 3 == 0) {
      auto [fid, item] = fills.back();
      fills.pop_back();
      if (auto v = version_of(item)) {
        std::string body = json::serialize(canonical(item));
        ASSERT_TRUE(cache.apply_if_newer(fid, *v, body));
      }
    }
  }
  // Writers stop; late fills land; the stream drains (with duplicates, out of order).
  for (auto& [fid, item] : fills) {
    if (auto v = version_of(item)) {
      std::string body = json::serialize(canonical(item));
      ASSERT_TRUE(cache.apply_if_newer(fid, *v, body));
    }
  }
  for (auto& r : reader.read_new())
    pending.push_back(std::move(r));
  std::shuffle(pending.begin(), pending.end(), random);
  auto plan = plan_stream_batch(batch_of(pending));
  ASSERT_TRUE(plan);
  EXPECT_TRUE(apply_stream_plan(*plan, cache).response.batch_item_failures.empty());

  for (const auto& id : ids) {
    auto stored = store.get(id);
    ASSERT_TRUE(stored);
    auto cached = cache.get(id);
    ASSERT_TRUE(cached);
    if (stored->has_value()) {
      if (cached->status == cache::GetResult::Status::hit) {
        EXPECT_EQ(cached->body, json::serialize(canonical(**stored))) << id;
        EXPECT_EQ(cached->version, version_of(**stored)) << id;
      } else {
        EXPECT_EQ(cached->status, cache::GetResult::Status::miss) << id << " exists but reads 404";
      }
    } else {
      EXPECT_NE(cached->status, cache::GetResult::Status::hit) << id << " was resurrected";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, Coherence, ::testing::Values(1u, 2u, 3u, 42u, 2026u));

}  // namespace
}  // namespace streamcache::items
