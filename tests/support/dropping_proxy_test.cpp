// DroppingProxy: the aws client through it to moto_server and dynalite, and keep-alive and seeded
// drops against the retry tests' ScriptedServer.
#include "support/dropping_proxy.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "aws/integration/scripted_server.h"
#include "common/env.h"
#include "http/client.h"
#include "support/dynamodb_backends.h"

namespace streamcache::testing {
namespace {

aws::AttributeMap key(const std::string& id) {
  return {{"id", aws::AttributeValue::string(id)}};
}

aws::AttributeMap item(const std::string& id, const std::string& body) {
  return {{"id", aws::AttributeValue::string(id)}, {"body", aws::AttributeValue::string(body)}};
}

aws::DynamoDbClient client_for(std::map<std::string, std::string, std::less<>> env) {
  auto client = aws::DynamoDbClient::from_env(fixed_env(std::move(env)));
  if (!client) throw std::runtime_error(client.error());
  return std::move(*client);
}

// Each test on moto_server (answers Connection: close every time) and on dynalite (keeps the
// connection alive): how the client meets a lost answer depends on that.
class DroppingProxyDynamo : public WithDynamo<DroppingProxyDynamo> {
 protected:
  void SetUp() override {
    WithDynamo::SetUp();
    if (IsSkipped()) return;
    direct_.emplace(client_for(dynamo().aws_env()));
    auto created = create_active_table(
        *direct_, aws::CreateTableRequest{"items", {"id", 'S'}, std::nullopt, std::nullopt, true});
    ASSERT_TRUE(created) << created.error().describe();
    const auto upstream = http::parse_url(dynamo().endpoint());
    ASSERT_TRUE(upstream) << upstream.error();
    proxy_.emplace(upstream->host, upstream->port);
  }

  // A client whose DynamoDB endpoint is the proxy; `extra` adds or overrides variables.
  aws::DynamoDbClient through_proxy(std::map<std::string, std::string, std::less<>> extra = {}) {
    auto env = dynamo().aws_env();
    env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy_->endpoint();
    for (auto& [name, value] : extra)
      env[name] = value;
    return client_for(std::move(env));
  }

  // The item as the server has it, read without the proxy.
  std::optional<aws::AttributeMap> stored(const std::string& id) {
    auto got = direct_->get_item(aws::GetItemRequest{"items", key(id), true});
    EXPECT_TRUE(got) << got.error().describe();
    return got ? *got : std::nullopt;
  }

  static aws::PutItemRequest put_if_absent(const std::string& id, const std::string& body) {
    return {"items",
            item(id, body),
            {"attribute_not_exists(id)", {}, {}, false},
            aws::ReturnValues::none};
  }

  std::optional<aws::DynamoDbClient> direct_;  // the server itself, no proxy
  std::optional<DroppingProxy> proxy_;
};

TEST_P(DroppingProxyDynamo, ForwardsRequestsAndAnswers) {
  ASSERT_TRUE(direct_->put_item(aws::PutItemRequest{"items", item("a", "hello"), {}, {}}));
  auto client = through_proxy();
  auto got = client.get_item(aws::GetItemRequest{"items", key("a"), true});
  ASSERT_TRUE(got) << got.error().describe();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(*aws::find_string(**got, "body"), "hello");
  EXPECT_EQ(proxy_->forwarded(), 1);
  EXPECT_EQ(proxy_->dropped(), 0);
}

TEST_P(DroppingProxyDynamo, LostAnswerOfConditionalPutIsRetriedIntoConditionalCheckFailed) {
  auto client = through_proxy();
  proxy_->drop_next("PutItem");
  auto result = client.put_item(put_if_absent("a", "first"));
  // The first attempt committed but its answer was lost: on a new connection that is a transport
  // error (retryable), so the AWS layer sends it again, and the retry meets its own write.
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, aws::ErrorKind::conditional_check_failed)
      << result.error().describe();
  EXPECT_EQ(result.error().attempts, 2);
  EXPECT_EQ(proxy_->dropped(), 1);
  EXPECT_EQ(proxy_->forwarded(), 1);
  auto row = stored("a");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(*aws::find_string(*row, "body"), "first");
}

TEST_P(DroppingProxyDynamo, OnAReusedConnectionTheHttpClientResendsBeforeTheAwsLayerKnows) {
  auto client = through_proxy();
  ASSERT_TRUE(client.get_item(aws::GetItemRequest{"items", key("a"), true}));  // warm connection
  proxy_->drop_next("PutItem");
  auto result = client.put_item(put_if_absent("a", "first"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, aws::ErrorKind::conditional_check_failed)
      << result.error().describe();
  // dynalite kept the connection, so http::Client takes the close for an idle one and resends at
  // once: one attempt as the AWS layer counts. moto closed it, so the AWS layer retried.
  EXPECT_EQ(result.error().attempts, backend() == DynamoBackend::dynalite ? 1 : 2);
  EXPECT_EQ(proxy_->dropped(), 1);
  EXPECT_TRUE(stored("a").has_value());
}

TEST_P(DroppingProxyDynamo, WithoutRetriesTheCallerSeesTheTransportError) {
  auto client = through_proxy({{"AWS_MAX_ATTEMPTS", "1"}});
  proxy_->drop_next("PutItem");
  auto result = client.put_item(aws::PutItemRequest{"items", item("b", "v"), {}, {}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, aws::ErrorKind::unavailable);
  EXPECT_EQ(result.error().code, "NetworkingError") << result.error().describe();
  EXPECT_EQ(result.error().http_status, 0);
  EXPECT_EQ(proxy_->dropped(), 1);
  EXPECT_TRUE(stored("b").has_value());  // yet the write happened
}

TEST_P(DroppingProxyDynamo, OnlyMatchingTargetsAreDropped) {
  auto client = through_proxy();
  proxy_->drop_next("UpdateItem");
  ASSERT_TRUE(client.put_item(aws::PutItemRequest{"items", item("c", "v"), {}, {}}));
  EXPECT_EQ(proxy_->dropped(), 0);
  auto update = client.update_item(
      aws::UpdateItemRequest{"items",
                             key("c"),
                             "SET body = :b",
                             {"", {}, {{":b", aws::AttributeValue::string("w")}}, false},
                             aws::ReturnValues::none});
  ASSERT_TRUE(update) << update.error().describe();  // unconditional: sending it again is harmless
  EXPECT_EQ(update->size(), 0U);
  EXPECT_EQ(proxy_->dropped(), 1);
  EXPECT_EQ(*aws::find_string(*stored("c"), "body"), "w");
}

INSTANTIATE_TEST_SUITE_P(Backends, DroppingProxyDynamo, all_dynamo_backends(), DynamoBackendName{});

http::Request put_request() {
  http::Request request;
  request.method = "POST";
  request.headers = {{"X-Amz-Target", "DynamoDB_20120810.PutItem"},
                     {"Content-Type", "application/x-amz-json-1.0"}};
  request.body = R"({"TableName":"items"})";
  return request;
}

http::Client http_client(const DroppingProxy& proxy) {
  http::ClientOptions options;
  options.request_timeout = std::chrono::seconds(10);
  return http::Client(*http::parse_url(proxy.endpoint()), options);
}

TEST(DroppingProxyKeepAlive, OneConnectionCarriesManyRequests) {
  ScriptedServer upstream({{200, R"({"ok":true})", {}}});
  DroppingProxy proxy("127.0.0.1", upstream.port());
  auto client = http_client(proxy);
  for (int i = 0; i < 3; ++i) {
    auto response = client.send(put_request());
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, R"({"ok":true})");
  }
  EXPECT_EQ(proxy.connections(), 1);
  EXPECT_EQ(proxy.forwarded(), 3);
  EXPECT_EQ(upstream.requests(), 3);
}

TEST(DroppingProxyKeepAlive, HttpClientResendsALostAnswerOnAReusedConnectionOnlyIfReplaySafe) {
  ScriptedServer upstream({{200, "{}", {}}});
  DroppingProxy proxy("127.0.0.1", upstream.port());
  auto client = http_client(proxy);
  ASSERT_TRUE(client.send(put_request()));
  proxy.drop_next("PutItem");
  // A POST may have been processed: the reused connection's close before any answer is an error.
  auto lost = client.send(put_request());
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().kind, http::ErrorKind::connection_lost);
  EXPECT_EQ(upstream.requests(), 2);

  ASSERT_TRUE(client.send(put_request()));  // a new connection, kept alive
  proxy.drop_next("PutItem");
  // Marked replay-safe, it is sent again on a new connection: the caller sees success, and the
  // upstream saw the write twice (harmless only because the caller said so).
  auto request = put_request();
  request.replay_safe = true;
  auto response = client.send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(proxy.dropped(), 2);
  EXPECT_EQ(upstream.requests(), 5);
  EXPECT_EQ(proxy.connections(), 3);
}

// Which of 40 requests lose their answers, each on a new connection (so nothing is resent).
std::vector<bool> drop_pattern(std::uint64_t seed) {
  ScriptedServer upstream({{200, "{}", {}}});
  DroppingProxy proxy("127.0.0.1", upstream.port());
  proxy.drop_with_probability("PutItem", 0.3, seed);
  auto client = http_client(proxy);
  std::vector<bool> lost;
  for (int i = 0; i < 40; ++i) {
    client.close();
    auto response = client.send(put_request());
    lost.push_back(!response);
    if (!response) {
      EXPECT_EQ(response.error().kind, http::ErrorKind::connection_lost);
    }
  }
  EXPECT_EQ(proxy.dropped(), static_cast<int>(std::count(lost.begin(), lost.end(), true)));
  EXPECT_EQ(upstream.requests(), 40);  // every write reached the upstream
  return lost;
}

TEST(DroppingProxyProbability, SameSeedSameDrops) {
  const auto first = drop_pattern(7);
  EXPECT_EQ(first, drop_pattern(7));
  const auto dropped = std::count(first.begin(), first.end(), true);
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 40);
}

}  // namespace
}  // namespace streamcache::testing
