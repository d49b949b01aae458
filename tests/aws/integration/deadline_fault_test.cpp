// Budgets and kept-alive connections against faults moto cannot produce: an endpoint that accepts
// and never answers, a reused connection that breaks before the answer, a connection left idle
// past its bound.
#include <chrono>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "http/client.h"
#include "scripted_server.h"
#include "test_config.h"

namespace streamcache::aws {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedServer;

constexpr const char* kItem = R"({"Item":{"id":{"S":"a"},"version":{"N":"7"}}})";

GetItemRequest get_a(Deadline deadline = Deadline::never()) {
  GetItemRequest request{"t", {{"id", AttributeValue::string("a")}}, true};
  request.deadline = deadline;
  return request;
}

TEST(DeadlineFaults, StalledEndpointEndsAtTheDeadlineAsUnavailable) {
  ScriptedServer server({{-1, "", {}}});
  auto config = testing::local_config(server.endpoint());  // 10 s per attempt, 3 attempts
  config.retry.max_attempts = 3;
  DynamoDbClient client(std::move(config));
  auto item = client.get_item(get_a(Deadline::after(300ms)));
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(item.error().code, "DeadlineExceeded") << item.error().describe();
  EXPECT_EQ(item.error().attempts, 1);
  EXPECT_EQ(server.requests(), 1);  // no retry started without the time to finish it
}

TEST(DeadlineFaults, SpentDeadlineSendsNothing) {
  ScriptedServer server({{200, kItem, {}}});
  DynamoDbClient client(testing::local_config(server.endpoint()));
  auto item = client.get_item(get_a(Deadline::after(0ms)));
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().code, "DeadlineExceeded");
  EXPECT_EQ(server.requests(), 0);
}

TEST(DeadlineFaults, IdleConnectionPastTheBoundIsNotReused) {
  ScriptedServer server({{200, kItem, {}}});
  auto now = std::chrono::steady_clock::now();
  auto config = testing::local_config(server.endpoint());
  config.http.max_idle = 30s;
  config.http.now = [&now] { return now; };
  DynamoDbClient client(std::move(config));
  ASSERT_TRUE(client.get_item(get_a()));
  now += 29s;
  ASSERT_TRUE(client.get_item(get_a()));
  EXPECT_EQ(server.connections(), 1);  // idle within the bound: reused
  now += 31s;
  ASSERT_TRUE(client.get_item(get_a()));
  EXPECT_EQ(server.connections(), 2);  // idle past the bound: a new connection
  EXPECT_EQ(server.requests(), 3);
}

// POST is not idempotent: resent on a fresh connection only when the caller says a second copy
// is harmless (aws::ServiceClient does; see items::ItemOperations::write_row).
TEST(DeadlineFaults, BrokenReusedConnectionResendsOnlyReplaySafeRequests) {
  for (const bool replay_safe : {false, true}) {
    SCOPED_TRACE(replay_safe ? "replay-safe" : "not replay-safe");
    ScriptedServer server({{200, "{}", {}}, {0, "", {}}, {200, "{}", {}}});
    http::Client client(*http::parse_url(server.endpoint()));
    http::Request post;
    post.method = "POST";
    post.body = "{}";
    ASSERT_TRUE(client.send(post));
    post.replay_safe = replay_safe;
    auto second = client.send(post);  // the server reads it and closes without a byte
    EXPECT_EQ(second.has_value(), replay_safe);
    if (!second) {
      EXPECT_EQ(second.error().kind, http::ErrorKind::connection_lost);
    }
    EXPECT_EQ(server.requests(), replay_safe ? 3 : 2);
  }
}

}  // namespace
}  // namespace streamcache::aws
