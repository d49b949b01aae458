// The coherence invariant of ARCHITECTURE.md against real servers: seeded random interleavings of
// API writers whose clocks are a second apart (one of them behind a proxy that loses answers of
// committed writes), deletes and re-creates of a few hot ids, foreign writes without `version`,
// readers with late fills, Redis losing its data, and stream application (reordered, duplicated,
// from moto's real DynamoDB Stream: each id's records in order, as Lambda delivers a shard, ids
// interleaved, batches re-delivered; sometimes lagging past the cache's item TTL).
// Invariants: no read ever observes a version below one already observed for its id (a foreign
// write starts a new chain once the stream has applied it); after draining, every cache entry
// equals the table's item, or is absent, or is a tombstone/negative/fence entry for an id that is
// not live.
#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "aws/dynamodb_streams.h"
#include "cache/redis_connection.h"
#include "items/adapters.h"
#include "items/api.h"
#include "items/stream.h"
#include "support/dropping_proxy.h"
#include "support/shared_servers.h"

namespace streamcache::items {
namespace {

namespace events = lambda::events;

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

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The item TTL of this run: far above how long a fill stays delayed here (as CACHE_TTL is far
// above the function timeout), and below the simulated stream lag.
constexpr auto kItemTtl = std::chrono::seconds(60);
// How far behind the "lagging" deliveries are: past the item TTL and its jitter.
constexpr auto kStreamLag = std::chrono::seconds(120);

struct Writer {
  std::int64_t skew_us;
  std::unique_ptr<aws::DynamoDbClient> client;
  std::unique_ptr<DynamoItemStore> store;
  std::unique_ptr<ItemsApi> api;
};

TEST_P(Coherence, CacheConvergesToTheTableAndReadsNeverGoBack) {
  const unsigned seed = GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed));
  reset_servers();
  const auto moto_env = moto_->aws_env();
  auto env = fixed_env(moto_env);
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
  cache::ItemCacheOptions cache_options;
  cache_options.item_ttl = kItemTtl;
  auto item_cache = cache::ItemCache::create(*connection, cache_options);
  ASSERT_TRUE(item_cache);
  auto raw_redis = cache::RedisConnection::create(*connection);
  ASSERT_TRUE(raw_redis);
  DynamoItemStore store(*dynamodb, kTable);  // the readers' and the checker's view
  RedisItemCache cache(*item_cache);
  std::mt19937 random(seed);

  // Writer clocks: one shared base that stalls or steps back, and per-writer skews of +-1 s.
  std::int64_t base = wall_clock_us();
  auto tick = [&] { return base += static_cast<std::int64_t>(random() % 3) - 1; };
  streamcache::testing::DroppingProxy lossy("127.0.0.1", moto_->port());
  lossy.drop_with_probability("PutItem", 0.25, seed);
  std::vector<Writer> writers;
  for (std::int64_t skew : {std::int64_t{0}, std::int64_t{1'000'000}, std::int64_t{-1'000'000}}) {
    auto writer_env = moto_env;
    if (skew < 0) writer_env["AWS_ENDPOINT_URL"] = lossy.endpoint();  // committed, answer lost
    auto client = aws::DynamoDbClient::from_env(fixed_env(writer_env));
    ASSERT_TRUE(client) << client.error();
    Writer w{skew, std::make_unique<aws::DynamoDbClient>(std::move(*client)), nullptr, nullptr};
    w.store = std::make_unique<DynamoItemStore>(*w.client, kTable);
    w.api = std::make_unique<ItemsApi>(*w.store, &cache,
                                       ApiOptions{true, [&tick, skew] { return tick() + skew; }});
    writers.push_back(std::move(w));
  }

  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  std::map<std::string, Version> observed;  // the highest version a read returned, per id
  std::set<std::string> foreign;     // ids written by another tool whose record is not yet applied
  std::vector<json::Value> pending;  // stream records not yet applied
  std::vector<std::pair<std::string, json::Value>> fills;  // reads whose fill is delayed
  auto pick = [&](const auto& v) { return v[random() % v.size()]; };
  auto request = [&](ItemsApi& api, std::string method, std::string path, std::string body,
                     std::string type = "application/json") {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.headers["content-type"] = std::move(type);
    r.body = std::move(body);
    return api.handle(r);
  };
  // The fill a GET makes after its consistent read (items.api): markers fill a tombstone.
  auto fill = [&](const std::string& id, const json::Value& row) {
    auto v = version_of(row);
    if (!v) return;
    auto done = is_deleted_marker(row)
                    ? cache.tombstone_if_newer(id, *v)
                    : cache.apply_if_newer(id, *v, json::serialize(canonical(row)));
    ASSERT_TRUE(done) << cache::describe(done.error());
  };
  // The stream lags by jumping time forward: every cached item expires at once, the handler's
  // clock and the creation times of records written afterwards move with it.
  std::int64_t jumped_us = 0;
  auto simulated_now_us = [&] { return wall_clock_us() + jumped_us; };
  auto read_stream = [&] {
    for (auto& r : reader.read_new()) {
      json::Value* d = r.find("dynamodb");
      const json::Value* created = d ? d->find("ApproximateCreationDateTime") : nullptr;
      if (created != nullptr && created->is_number() && jumped_us != 0) {
        const double at =
            std::stod(created->as_number().text) + static_cast<double>(jumped_us) / 1e6;
        d->set("ApproximateCreationDateTime", json::Value(json::Number{std::to_string(at)}));
      }
      pending.push_back(std::move(r));
    }
  };
  // A GET through the API; its version must not be below one a read already returned.
  auto read_and_check = [&](ItemsApi& api, const std::string& id, int step) {
    auto r = request(api, "GET", "/items/" + id, "");
    if (r.status_code != 200 || foreign.contains(id)) return;
    auto etag = events::find_header(r.headers, "etag");
    ASSERT_TRUE(etag);
    const Version seen = std::stoull(std::string(etag->substr(1, etag->size() - 2)));
    EXPECT_GE(seen, observed[id]) << id << " went back in time at step " << step << ": " << seen
                                  << " after " << observed[id] << " ("
                                  << events::find_header(r.headers, "cache-status").value_or("")
                                  << ")";
    observed[id] = std::max(observed[id], seen);
  };
  // Lambda hands a shard's records over in order (each id's records stay in order, across retries
  // too); records of different ids may interleave any way.
  auto id_of = [](const json::Value& r) {
    return std::string(r.find("dynamodb")->find("Keys")->find("id")->get_string("S").value());
  };
  auto interleaved = [&](std::vector<json::Value> records) {
    std::map<std::string, unsigned> rank;
    for (const auto& r : records)
      rank.try_emplace(id_of(r), random());
    std::stable_sort(records.begin(), records.end(),
                     [&](const auto& a, const auto& b) { return rank[id_of(a)] < rank[id_of(b)]; });
    return records;
  };
  auto land_fills = [&] {
    for (auto& [fid, row] : fills)
      fill(fid, row);
    fills.clear();
  };
  auto deliver = [&](std::vector<json::Value> records, const StreamPlanOptions& options) {
    // The handler's own path: each op sent while the rest of the batch is decoded.
    auto outcome = apply_stream_batch(batch_of(std::move(records)), options, cache);
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_TRUE(outcome->response.batch_item_failures.empty());
  };
  const std::chrono::milliseconds max_age = max_apply_age(item_cache->options());

  for (int step = 0; step < 240; ++step) {
    std::string id = pick(ids);
    Writer& writer = writers[random() % writers.size()];
    ItemsApi& api = *writer.api;
    const std::string n = std::to_string(step);
    switch (random() % 11) {
      case 0:
      case 1:
      case 2: {
        // Each write carries its step as a nonce: a conflict answer for a write the table holds
        // is a lie (its first attempt committed and only the answer was lost).
        const std::string member = std::string(1, "spq"[step % 3]);
        auto r = step % 3 == 0 ? request(api, "POST", "/items",
                                         R"({"id":")" + id + R"(","s":)" + n + R"(,"x":1.50})")
                 : step % 3 == 1
                     ? request(api, "PUT", "/items/" + id, R"({"p":)" + n + R"(,"e":1E+3})")
                     : request(api, "PATCH", "/items/" + id, R"({"q":)" + n + "}",
                               "application/merge-patch+json");
        if (r.status_code == 409 || r.status_code == 412) {
          auto now = store.get(id);
          ASSERT_TRUE(now);
          const json::Value* nonce = now->has_value() ? (*now)->find(member) : nullptr;
          EXPECT_FALSE(nonce && nonce->is_number() && nonce->as_number().text == n)
              << "step " << step << " answered " << r.status_code << " for its own write";
        }
        break;
      }
      case 3:
      case 4: {
        auto before = store.get(id);
        ASSERT_TRUE(before);
        const bool was_live = before->has_value() && !is_deleted_marker(**before);
        auto r = request(api, "DELETE", "/items/" + id, "");
        EXPECT_FALSE(was_live && r.status_code == 404)
            << "step " << step << " deleted a live item and answered 404";
        break;
      }
      case 5:
        read_and_check(api, id, step);
        break;
      case 6: {
        // A reader that read the table now and fills later (the classic stale-fill race).
        auto read = store.get(id);
        ASSERT_TRUE(read);
        if (read->has_value()) fills.emplace_back(id, **read);
        break;
      }
      case 7: {
        // Another tool writes the item without a version (over whatever is there).
        aws::PutItemRequest put;
        put.table = kTable;
        put.item = {aws::Attribute{"id", aws::AttributeValue::string(id)},
                    aws::Attribute{"foreign", aws::AttributeValue::number(n)}};
        ASSERT_TRUE(dynamodb->put_item(put));
        // A write that bypasses the API reaches the cache only through the stream: until the
        // handler has applied it, reads may still hit the version before it (the cache is
        // eventually consistent with other tools). It also breaks the chain of versions.
        foreign.insert(id);
        break;
      }
      case 8:
        if (random() % 4 == 0) {
          land_fills();  // fills are bounded by the function timeout, far below any TTL
          ASSERT_TRUE(raw_redis->command({"FLUSHALL"}));  // eviction, failover, restart
          // Redis lost what readers saw: a re-delivered batch (or a lagging replica promoted by
          // a failover) may show an older version until the stream catches up again.
          observed.clear();
        }
        break;
      default: {
        read_stream();
        if (pending.empty()) break;
        // The stream lags past the item TTL now and then: it is behind by several records, and
        // every item cached before the wait has expired when it catches up.
        const bool lagging = pending.size() >= 2 && random() % 3 == 0;
        // The oldest records (half of them at most when lagging), sometimes delivered again later
        // (a retried batch).
        std::size_t count = 1 + random() % (lagging ? pending.size() / 2 : pending.size());
        std::vector<json::Value> delivery =
            interleaved(std::vector<json::Value>(pending.begin(), pending.begin() + count));
        if (random() % 2 == 0) pending.erase(pending.begin(), pending.begin() + count);
        StreamPlanOptions options{.now_us = simulated_now_us(), .max_apply_age = max_age};
        if (lagging) {
          for (const auto& reader_id : ids)  // readers saw what the cache held before the wait
            read_and_check(*writers[0].api, reader_id, step);
          land_fills();
          auto keys = raw_redis->command({"KEYS", "item:*"});
          ASSERT_TRUE(keys);
          for (const auto& key : keys->elements) {
            auto value = raw_redis->command({"GET", key.str});
            ASSERT_TRUE(value);
            if (value->str.starts_with('I')) {
              ASSERT_TRUE(raw_redis->command({"DEL", key.str}));
            }
          }
          jumped_us += std::chrono::microseconds(kStreamLag).count();
          options.now_us = simulated_now_us();
        }
        deliver(std::move(delivery), options);
        std::erase_if(foreign, [&](const std::string& fid) {
          const bool applied = std::none_of(pending.begin(), pending.end(),
                                            [&](const auto& r) { return id_of(r) == fid; });
          if (applied) observed.erase(fid);  // a new chain of versions starts after it
          return applied;
        });
        for (const auto& reader_id : ids)  // readers right after the stream moved the cache
          read_and_check(*writers[0].api, reader_id, step);
        break;
      }
    }
    if (!fills.empty() && random() % 3 == 0) {
      auto [fid, row] = fills.back();
      fills.pop_back();
      fill(fid, row);
    }
  }
  // Writers stop; late fills land; the stream drains (with duplicates, out of order).
  land_fills();
  read_stream();
  deliver(interleaved(std::move(pending)),
          {.now_us = simulated_now_us(), .max_apply_age = max_age});
  EXPECT_GT(lossy.dropped(), 0) << "the run should lose some answers of committed writes";

  for (const auto& id : ids) {
    auto stored = store.get(id);
    ASSERT_TRUE(stored);
    auto cached = cache.get(id);
    ASSERT_TRUE(cached);
    const bool live = stored->has_value() && !is_deleted_marker(**stored);
    if (cached->status == cache::GetResult::Status::hit) {
      ASSERT_TRUE(live) << id << " was resurrected: " << cached->body;
      EXPECT_EQ(cached->body, json::serialize(canonical(**stored))) << id;
      EXPECT_EQ(cached->version, version_of(**stored)) << id;
    } else if (live) {
      EXPECT_EQ(cached->status, cache::GetResult::Status::miss) << id << " exists but reads 404";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, Coherence, ::testing::Values(1u, 2u, 3u, 42u, 2026u));

}  // namespace
}  // namespace streamcache::items
