// DynamoDB calls of a sampled invocation: one subsegment per call (retries counted, the request id
// of the answer), and X-Amzn-Trace-Id on every attempt naming that subsegment, left out of the
// signature as the SDKs do. Throttling needs the scripted server: moto never throttles.
#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "json/json.h"
#include "scripted_server.h"
#include "test_config.h"
#include "tracing/tracer.h"

namespace streamcache::aws {
namespace {

using testing::ScriptedServer;

constexpr const char* kThrottled =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"})";
constexpr const char* kItem = R"({"Item":{"id":{"S":"a"},"version":{"N":"7"}}})";
constexpr const char* kHeader =
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

DynamoDbClient client_for(const ScriptedServer& server) {
  auto config = testing::local_config(server.endpoint());
  config.sleep = [](std::chrono::milliseconds) {};
  return DynamoDbClient(std::move(config));
}

GetItemRequest get_a() {
  return GetItemRequest{"t", {{"id", AttributeValue::string("a")}}, true};
}

std::string header_value(const std::string& head, std::string_view name) {
  const auto at = head.find(std::string(name) + ": ");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 2;
  return head.substr(start, head.find("\r\n", start) - start);
}

TEST(TracingFaults, ARetriedCallIsOneSubsegmentWhoseIdEveryAttemptCarries) {
  ScriptedServer server({{400, kThrottled, {{"x-amzn-RequestId", "R1"}}},
                         {200, kItem, {{"x-amzn-RequestId", "R2"}}}});
  std::vector<std::string> sent;
  tracing::Tracer tracer([&](std::string_view d) { sent.emplace_back(d); });
  auto client = client_for(server);
  client.service().set_tracer(&tracer);
  tracer.begin_invocation(kHeader);
  tracer.set_item_id("a");
  auto item = client.get_item(get_a());
  tracer.end_invocation();
  ASSERT_TRUE(item) << item.error().describe();

  ASSERT_EQ(sent.size(), 1u);
  auto doc = json::parse(sent[0]);
  ASSERT_TRUE(doc) << sent[0];
  EXPECT_EQ(doc->get_string("name"), "DynamoDB");
  EXPECT_EQ(doc->get_string("namespace"), "aws");
  EXPECT_EQ(doc->get_string("type"), "subsegment");
  EXPECT_EQ(doc->get_string("parent_id"), "53995c3f42cd8ad8");
  EXPECT_EQ(doc->get_string("trace_id"), "1-5759e988-bd862e3fe1be46a994272793");
  const json::Value* aws = doc->find("aws");
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->get_string("operation"), "GetItem");
  EXPECT_EQ(aws->get_string("table_name"), "t");
  EXPECT_EQ(aws->get_int("retries"), 1);
  EXPECT_EQ(aws->get_string("request_id"), "R2");
  EXPECT_EQ(doc->find("annotations")->get_string("item_id"), "a");
  EXPECT_EQ(doc->find("fault"), nullptr);

  const std::string id(*doc->get_string("id"));
  const auto heads = server.heads();
  ASSERT_EQ(heads.size(), 2u);
  for (const auto& head : heads) {
    EXPECT_EQ(header_value(head, "X-Amzn-Trace-Id"),
              "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=" + id + ";Sampled=1")
        << head;
    EXPECT_EQ(header_value(head, "Authorization").find("x-amzn-trace-id"), std::string::npos);
  }
}

TEST(TracingFaults, AThrottledCallEndsAsAThrottleErrorWithItsCause) {
  ScriptedServer server({{400, kThrottled, {}}});
  std::vector<std::string> sent;
  tracing::Tracer tracer([&](std::string_view d) { sent.emplace_back(d); });
  auto client = client_for(server);
  client.service().set_tracer(&tracer);
  tracer.begin_invocation(kHeader);
  EXPECT_FALSE(client.get_item(get_a()));
  tracer.end_invocation();
  ASSERT_EQ(sent.size(), 1u);
  auto doc = json::parse(sent[0]);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->get_bool("throttle"), true);
  EXPECT_EQ(doc->get_bool("error"), true);
  EXPECT_EQ(doc->find("aws")->get_int("retries"), 2);  // three attempts (the default)
  EXPECT_EQ(doc->find("http")->find("response")->get_int("status"), 400);
}

TEST(TracingFaults, AnUnsampledInvocationSendsNoHeaderAndNoSegment) {
  ScriptedServer server({{200, kItem, {}}});
  std::vector<std::string> sent;
  tracing::Tracer tracer([&](std::string_view d) { sent.emplace_back(d); });
  auto client = client_for(server);
  client.service().set_tracer(&tracer);
  tracer.begin_invocation(
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0");
  ASSERT_TRUE(client.get_item(get_a()));
  tracer.end_invocation();
  EXPECT_TRUE(sent.empty());
  ASSERT_EQ(server.heads().size(), 1u);
  EXPECT_EQ(header_value(server.heads()[0], "X-Amzn-Trace-Id"), "");
}

}  // namespace
}  // namespace streamcache::aws
