// The one-pass API event reader against the tree reader: whatever it accepts, the tree reader
// reads to the same request; whatever the tree reader refuses, it declines (and so never decides an
// error). Seeded damage of rich events covers wrong types, duplicates, nulls and broken bytes.
#include "items/api_event_sax.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/json_mutator.h"

namespace streamcache::items {
namespace {

using detail::read_http_api_event_sax;
using testing::JsonMutator;

// Every member the tree reader looks at, and some it does not.
const std::string kRichEvent = R"({
  "version": "2.0", "routeKey": "$default", "rawPath": "/prod/items/a%2Fb",
  "rawQueryString": "limit=5&cursor=YQ", "cookies": ["c1=v1", "c2=v2"],
  "headers": {"Content-Type": "application/json", "if-none-match": "\"17\"", "X-Dup": "1",
              "x-dup": "2", "x-null": null, "accept": "*/*", "x-uni": "caf\u00e9 \ud83d\ude00"},
  "queryStringParameters": {"limit": "5", "cursor": "YQ"},
  "pathParameters": {"proxy": "items/a"}, "stageVariables": {"v": "1"},
  "requestContext": {
    "accountId": "123456789012", "apiId": "api", "domainName": "id.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "id", "requestId": "JKJaXmPLvHcESHA=", "routeKey": "$default", "stage": "prod",
    "time": "10/Mar/2020:00:03:59 +0000", "timeEpoch": 1583798639428,
    "authorizer": {"jwt": {"claims": {"sub": "x", "n": [1, 2.5, {"deep": null}]}, "scopes": null}},
    "authentication": {"clientCert": {"clientCertPem": "-----BEGIN"}},
    "http": {"method": "PUT", "path": "/prod/items/a%2Fb", "protocol": "HTTP/1.1",
             "sourceIp": "192.0.2.1", "userAgent": "agent", "extra": [true, false]},
    "unknownMember": {"a": [1, "b", null]}
  },
  "body": "{\"name\":\"lamp\",\"price\":19.9}", "isBase64Encoded": false, "someOtherTopLevel": 7
})";

const std::string kBase64Event =
    R"({"version":"2.0","rawPath":"/items","headers":{"content-type":"application/json"},)"
    R"("requestContext":{"stage":"$default","http":{"method":"POST"}},)"
    R"("body":"eyJuYW1lIjoiYiJ9","isBase64Encoded":true})";

void expect_same(const std::string& event, int* accepted = nullptr) {
  const auto fast = read_http_api_event_sax(event);
  const auto tree = api_request_from_event_tree(event);
  if (!fast) return;
  if (accepted != nullptr) ++*accepted;
  ASSERT_TRUE(tree) << "only the one-pass reader accepted: " << event << "\ntree: " << tree.error();
  ASSERT_TRUE(*fast == *tree) << "different requests for: " << event;
}

TEST(ApiEventSax, ReadsARichEventAsTheTreeReaderDoes) {
  for (const std::string& event : {kRichEvent, kBase64Event}) {
    auto fast = read_http_api_event_sax(event);
    ASSERT_TRUE(fast) << event;
    auto tree = api_request_from_event_tree(event);
    ASSERT_TRUE(tree) << tree.error();
    EXPECT_TRUE(*fast == *tree);
  }
  auto rich = *read_http_api_event_sax(kRichEvent);
  EXPECT_EQ(rich.method, "PUT");
  EXPECT_EQ(rich.path, "/items/a%2Fb");  // the stage is taken off
  EXPECT_EQ(rich.headers.at("content-type"), "application/json");
  EXPECT_EQ(rich.headers.at("x-dup"), "2");
  EXPECT_EQ(rich.headers.count("x-null"), 0u);
  EXPECT_EQ(rich.headers.at("x-uni"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(rich.query.at("limit"), "5");
  EXPECT_EQ(rich.body, R"({"name":"lamp","price":19.9})");
  EXPECT_EQ(read_http_api_event_sax(kBase64Event)->body, R"({"name":"b"})");
}

TEST(ApiEventSax, DeclinesWhatTheTreeReaderMustDecide) {
  const std::vector<std::string> declined = {
      R"({"httpMethod":"GET","path":"/items","requestContext":{}})",  // REST v1
      R"({"httpMethod":null,"rawPath":"/","requestContext":{"http":{"method":"GET"}}})",
      R"({"version":"1.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}})",
      R"({"rawPath":"/","requestContext":{"http":{}}})",
      R"({"rawPath":"/","requestContext":null})",
      R"({"rawPath":"/","requestContext":{"http":{"method":"GET"},"timeEpoch":1.5}})",
      R"({"rawPath":"/","requestContext":{"http":{"method":"GET"},"authorizer":"x"}})",
      R"({"rawPath":"/","headers":{"a":1},"requestContext":{"http":{"method":"GET"}}})",
      R"({"rawPath":"/","cookies":[null],"requestContext":{"http":{"method":"GET"}}})",
      R"({"rawPath":"/","body":"!!","isBase64Encoded":true,"requestContext":{"http":{"method":"GET"}}})",
      R"({"rawPath":"/","requestContext":{"http":{"method":"GET"}}} trailing)",
      R"({"rawPath":"\udc00","requestContext":{"http":{"method":"GET"}}})",
      R"({"rawPath":null,"rawPath":"/","requestContext":{"http":{"method":"GET"}}})",
      R"(["not an object"])",
      R"({"rawPath":"/","requestContext":{"http":{"method":"GET"}},"x":)" + std::string(200, '[') +
          std::string(200, ']') + "}",
  };
  for (const std::string& event : declined) {
    EXPECT_FALSE(read_http_api_event_sax(event)) << event;
    EXPECT_FALSE(api_request_from_event_tree(event).has_value() &&
                 event.find("httpMethod") == std::string::npos)
        << "the tree reader should refuse it too: " << event;
  }
  // A later duplicate is skipped unchecked, as the tree reader does.
  expect_same(R"({"rawPath":"/a","rawPath":5,"requestContext":{"http":{"method":"GET"}}})");
  EXPECT_TRUE(read_http_api_event_sax(
      R"({"rawPath":"/a","rawPath":5,"requestContext":{"http":{"method":"GET"}}})"));
}

std::vector<std::string> seed_events() {
  std::vector<std::string> seeds = {kRichEvent, kBase64Event};
  const char* source = std::getenv("STREAMCACHE_SOURCE_DIR");
  const auto dir = std::filesystem::path(source ? source : "/nonexistent") / ".." / "shared" /
                   "testdata" / "lambda-events";
  for (const char* name : {"apigw_v2_proxy_request.json", "lambda_function_url_request.json",
                           "example-apigw-v2-request-jwt-authorizer.json",
                           "apigw_v2_proxy_request_with_stage_in_path.json"}) {
    std::ifstream in(dir / name);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    seeds.push_back(text.str());
  }
  return seeds;
}

TEST(ApiEventSax, DamagedEventsAreReadAsTheTreeReaderReadsThemOrDeclined) {
  int accepted = 0;
  int cases = 0;
  std::uint32_t seed = 20261130;
  for (const std::string& event : seed_events()) {
    const json::Value parsed = *json::parse(event);
    JsonMutator mutate(seed++);
    for (int i = 0; i < 1200; ++i, ++cases) {
      ASSERT_NO_FATAL_FAILURE(expect_same(mutate.damage(event, parsed), &accepted)) << i;
    }
  }
  // The damage should leave many events whole enough to read: the comparison must bite.
  EXPECT_GT(accepted, cases / 10) << accepted << " of " << cases;
}

}  // namespace
}  // namespace streamcache::items
