// The retry policy against faults a real service produces but moto cannot: throttling, a
// validation error, and dropped connections.
#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "scripted_server.h"
#include "test_config.h"

namespace streamcache::aws {
namespace {

using testing::ScriptedServer;

constexpr const char* kThrottled =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"})";
constexpr const char* kItem = R"({"Item":{"id":{"S":"a"},"version":{"N":"7"}}})";

struct Recorder {
  std::vector<std::chrono::milliseconds> sleeps;
};

DynamoDbClient client_for(const ScriptedServer& server, Recorder& recorder, int max_attempts = 3) {
  auto config = testing::local_config(server.endpoint());
  config.retry.max_attempts = max_attempts;
  config.sleep = [&recorder](std::chrono::milliseconds d) { recorder.sleeps.push_back(d); };
  return DynamoDbClient(std::move(config));
}

GetItemRequest get_a() {
  return GetItemRequest{"t", {{"id", AttributeValue::string("a")}}, true};
}

TEST(RetryFaults, ThrottlingIsRetriedThenSucceeds) {
  ScriptedServer server({{400, kThrottled, {}}, {400, kThrottled, {}}, {200, kItem, {}}});
  Recorder recorder;
  auto client = client_for(server, recorder);
  auto item = client.get_item(get_a());
  ASSERT_TRUE(item) << item.error().describe();
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ(*find_number(**item, "version"), "7");
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(recorder.sleeps.size(), 2U);
  // Each attempt is signed afresh and names the operation.
  for (const auto& head : server.heads()) {
    EXPECT_NE(head.find("X-Amz-Target: DynamoDB_20120810.GetItem"), std::string::npos) << head;
    EXPECT_NE(head.find("Authorization: AWS4-HMAC-SHA256 Credential=testing/"), std::string::npos)
        << head;
  }
}

TEST(RetryFaults, ThrottlingBeyondMaxAttemptsIsATypedError) {
  ScriptedServer server({{400, kThrottled, {}}});
  Recorder recorder;
  auto client = client_for(server, recorder, 3);
  auto item = client.get_item(get_a());
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().kind, ErrorKind::throttled);
  EXPECT_EQ(item.error().code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(item.error().attempts, 3);
  EXPECT_EQ(server.requests(), 3);
}

TEST(RetryFaults, ValidationErrorIsNotRetried) {
  ScriptedServer server(
      {{400,
        R"({"__type":"com.amazon.coral.validate#ValidationException","message":"bad key"})",
        {}},
       {200, kItem, {}}});
  Recorder recorder;
  auto client = client_for(server, recorder);
  auto item = client.get_item(get_a());
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().kind, ErrorKind::validation);
  EXPECT_EQ(item.error().message, "bad key");
  EXPECT_EQ(server.requests(), 1);
  EXPECT_TRUE(recorder.sleeps.empty());
}

TEST(RetryFaults, ConditionalCheckFailureIsNotRetriedAndCarriesTheOldItem) {
  ScriptedServer server(
      {{400,
        R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
        R"("message":"The conditional request failed","Item":{"id":{"S":"a"},"version":{"N":"9"}}})",
        {}}});
  Recorder recorder;
  auto client = client_for(server, recorder);
  PutItemRequest put{
      "t", {{"id", AttributeValue::string("a")}}, {"attribute_not_exists(id)", {}, {}, true}};
  auto result = client.put_item(put);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::conditional_check_failed);
  EXPECT_EQ(server.requests(), 1);
  auto old = DynamoDbClient::item_of_failed_condition(result.error());
  ASSERT_TRUE(old);
  EXPECT_EQ(*find_number(*old, "version"), "9");
}

TEST(RetryFaults, DroppedConnectionIsRetried) {
  ScriptedServer server({{0, "", {}}, {200, kItem, {}}});
  Recorder recorder;
  auto client = client_for(server, recorder);
  auto item = client.get_item(get_a());
  ASSERT_TRUE(item) << item.error().describe();
  EXPECT_EQ(server.requests(), 2);
}

TEST(RetryFaults, ConnectionDroppedEveryTimeEndsInAClearError) {
  ScriptedServer server({{0, "", {}}});
  Recorder recorder;
  auto client = client_for(server, recorder, 3);
  auto item = client.get_item(get_a());
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(item.error().attempts, 3);
  EXPECT_NE(item.error().describe().find("connection"), std::string::npos)
      << item.error().describe();
}

TEST(RetryFaults, NothingListeningIsUnavailable) {
  int port = 0;
  {
    ScriptedServer closed({{200, kItem, {}}});
    port = closed.port();
  }
  auto config = testing::local_config("http://127.0.0.1:" + std::to_string(port));
  config.retry.max_attempts = 2;
  config.sleep = [](std::chrono::milliseconds) {};
  DynamoDbClient client(std::move(config));
  auto item = client.get_item(get_a());
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().kind, ErrorKind::unavailable);
  EXPECT_NE(item.error().message.find("cannot connect"), std::string::npos) << item.error().message;
}

TEST(RetryFaults, KeepAliveConnectionIsReused) {
  ScriptedServer server({{200, kItem, {}}});
  Recorder recorder;
  auto client = client_for(server, recorder);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(client.get_item(get_a()));
  EXPECT_EQ(server.requests(), 5);
  EXPECT_TRUE(recorder.sleeps.empty());
}

}  // namespace
}  // namespace streamcache::aws
