// The items API over the real adapters, on each DynamoDB implementation (moto_server, dynalite)
// with redis-server: what DynamoDB itself would store and answer, not what one emulator allows.
#include <gtest/gtest.h>

#include "cache/redis_connection.h"
#include "items/adapters.h"
#include "items/api.h"
#include "support/dropping_proxy.h"
#include "support/dynamodb_backends.h"

namespace streamcache::items {
namespace {

namespace events = lambda::events;
using streamcache::testing::DynamoBackendName;

class ApiOnBackends : public streamcache::testing::WithRedisAndDynamo<ApiOnBackends> {
 protected:
  void SetUp() override {
    WithRedisAndDynamo::SetUp();
    if (IsSkipped()) return;
    dynamodb_ = client_for(dynamo().aws_env());
    ASSERT_TRUE(dynamodb_);
    aws::CreateTableRequest create;
    create.table = "items";
    create.hash_key = {"id", 'S'};
    ASSERT_TRUE(streamcache::testing::create_active_table(*dynamodb_, create));
    auto connection = cache::connection_options_from_url(redis_->url());
    ASSERT_TRUE(connection);
    auto item_cache = cache::ItemCache::create(*connection);
    ASSERT_TRUE(item_cache);
    item_cache_ = std::make_unique<cache::ItemCache>(std::move(*item_cache));
    cache_ = std::make_unique<RedisItemCache>(*item_cache_);
    use_store(*dynamodb_);
  }

  static std::unique_ptr<aws::DynamoDbClient> client_for(
      std::map<std::string, std::string, std::less<>> env) {
    auto client = aws::DynamoDbClient::from_env(fixed_env(env));
    EXPECT_TRUE(client) << client.error();
    return client ? std::make_unique<aws::DynamoDbClient>(std::move(*client)) : nullptr;
  }
  void use_store(aws::DynamoDbClient& client) {
    store_ = std::make_unique<DynamoItemStore>(client, "items");
    api_ = std::make_unique<ItemsApi>(*store_, cache_.get(),
                                      ApiOptions{true, [this] { return ++now_; }});
  }

  events::HttpResponse call(std::string method, std::string path, std::string body = "",
                            std::string type = "application/json") {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.headers["content-type"] = std::move(type);
    r.body = std::move(body);
    return api_->handle(r);
  }
  // The item as a consistent read returns it, in the API's canonical text.
  std::string stored(const std::string& id) {
    DynamoItemStore reader(*dynamodb_, "items");
    auto row = reader.get(id);
    EXPECT_TRUE(row && row->has_value());
    return row && row->has_value() ? json::serialize(canonical(**row)) : "";
  }

  std::int64_t now_ = 1'700'000'000'000'000;
  std::unique_ptr<aws::DynamoDbClient> dynamodb_;
  std::unique_ptr<cache::ItemCache> item_cache_;
  std::unique_ptr<RedisItemCache> cache_;
  std::unique_ptr<DynamoItemStore> store_;
  std::unique_ptr<ItemsApi> api_;
};

// Written -> what DynamoDB stores and returns (AWS's documented normalization, as dynalite and
// real DynamoDB do it; moto would keep the text as sent, so the API must never send it so).
const std::pair<const char*, const char*> kNumberForms[] = {
    {"1.50", "1.5"},
    {"1E+3", "1000"},
    {"1e3", "1000"},
    {"-0", "0"},
    {"0.0", "0"},
    {"-0.0e5", "0"},
    {"-1.2300E2", "-123"},
    {"100.000", "100"},
    {"0.10", "0.1"},
    {"1.5e2", "150"},
    {"123e-2", "1.23"},
    {"1e-20", "0.00000000000000000001"},
    {"-5e-1", "-0.5"},
    {"9.9e10", "99000000000"},
    {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
    {"1.2345678901234567890123456789012345678E+37", "12345678901234567890123456789012345678"},
    {"1234567891234560000000000000000000000000", "1234567891234560000000000000000000000000"},
    {"1E+125", nullptr},
    {"1E-130", nullptr},
    {"-9.9999999999999999999999999999999999999E+125", nullptr},
};

std::string expected_text(const char* written, const char* canonical_text) {
  if (canonical_text != nullptr) return canonical_text;
  auto text = aws::canonical_number(written);  // long forms: built, not spelled out
  return text ? *text : std::string();
}

TEST_P(ApiOnBackends, EveryNumberFormIsOneTextInTheAnswerTheCacheAMissAndTheTable) {
  int n = 0;
  for (const auto& [written, canonical_text] : kNumberForms) {
    const std::string want = expected_text(written, canonical_text);
    ASSERT_FALSE(want.empty()) << written;
    const std::string id = "n" + std::to_string(n++);
    SCOPED_TRACE(std::string(written) + " -> " + want);
    for (const char* method : {"POST", "PUT", "PATCH"}) {
      events::HttpResponse answer;
      if (std::string_view(method) == "POST") {
        answer = call("POST", "/items", R"({"id":")" + id + R"(","v":)" + written + "}");
      } else if (std::string_view(method) == "PUT") {
        answer = call("PUT", "/items/" + id, std::string(R"({"v":)") + written + "}");
      } else {
        answer = call("PATCH", "/items/" + id, std::string(R"({"v":)") + written + "}",
                      "application/merge-patch+json");
      }
      ASSERT_LT(answer.status_code, 300) << method << ": " << answer.body;
      const std::string member = "\"v\":" + want + ",";
      EXPECT_NE(answer.body.find(member), std::string::npos) << method << ": " << answer.body;
      EXPECT_EQ(stored(id), answer.body) << method;
      auto hit = call("GET", "/items/" + id);
      EXPECT_EQ(events::find_header(hit.headers, "cache-status"), "streamcache; hit");
      EXPECT_EQ(hit.body, answer.body) << method;
      ASSERT_TRUE(redis_->cli({"FLUSHALL"}) == "OK");
      auto miss = call("GET", "/items/" + id);
      EXPECT_NE(events::find_header(miss.headers, "cache-status")->find("fwd=miss"),
                std::string::npos);
      EXPECT_EQ(miss.body, answer.body) << method;
    }
  }
}

TEST_P(ApiOnBackends, NumbersDynamoDbWouldRefuseOrRoundAre400sBeforeAnyWrite) {
  for (const char* bad : {"1E+126", "1E-131", "123456789012345678901234567890123456789", "0e200"}) {
    auto answer = call("POST", "/items", std::string(R"({"id":"bad","v":)") + bad + "}");
    EXPECT_EQ(answer.status_code, 400) << bad << ": " << answer.body;
  }
  DynamoItemStore reader(*dynamodb_, "items");
  auto row = reader.get("bad");
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->has_value());
}

TEST_P(ApiOnBackends, ReCreateAfterADeleteWithRedisEmptiedAndAClockBehindStaysAbove) {
  ASSERT_EQ(call("POST", "/items", R"({"id":"r"})").status_code, 201);
  ASSERT_EQ(call("DELETE", "/items/r").status_code, 204);
  const auto marker = *json::parse(stored("r"));
  ASSERT_TRUE(is_deleted_marker(marker));
  ASSERT_EQ(redis_->cli({"FLUSHALL"}), "OK");
  now_ -= 1'000'000;  // this writer's clock runs a second behind
  auto again = call("POST", "/items", R"({"id":"r"})");
  ASSERT_EQ(again.status_code, 201) << again.body;
  EXPECT_GT(*version_of(*json::parse(again.body)), *version_of(marker));
  EXPECT_EQ(call("GET", "/items/r").status_code, 200);
  auto list = json::parse(call("GET", "/items").body);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->find("items")->as_array().size(), 1u);
}

TEST_P(ApiOnBackends, AWriteWhoseAnswerIsLostAnswersAsItCommitted) {
  auto upstream = dynamo().aws_env();
  const std::string endpoint = dynamo().endpoint();
  const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  streamcache::testing::DroppingProxy proxy("127.0.0.1", port);
  upstream["AWS_ENDPOINT_URL"] = proxy.endpoint();
  auto lossy = client_for(upstream);
  ASSERT_TRUE(lossy);
  use_store(*lossy);

  proxy.drop_next("PutItem");
  auto created = call("POST", "/items", R"({"id":"l","n":1})");
  EXPECT_EQ(created.status_code, 201) << created.body;
  proxy.drop_next("PutItem");
  ApiRequest put;
  put.method = "PUT";
  put.path = "/items/l";
  put.headers = {{"content-type", "application/json"},
                 {"if-match", std::string(*events::find_header(created.headers, "etag"))}};
  put.body = R"({"n":2})";
  auto replaced = api_->handle(put);
  EXPECT_EQ(replaced.status_code, 200) << replaced.body;
  proxy.drop_next("PutItem");
  EXPECT_EQ(call("DELETE", "/items/l").status_code, 204);
  EXPECT_EQ(proxy.dropped(), 3);
  EXPECT_EQ(call("GET", "/items/l").status_code, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiOnBackends, streamcache::testing::all_dynamo_backends(),
                         DynamoBackendName{});

}  // namespace
}  // namespace streamcache::items
