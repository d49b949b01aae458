#include "local/http_api_event.h"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "json/json.h"

namespace streamcache::local {
namespace {

namespace events = lambda::events;

GatewayRequest sample() {
  GatewayRequest r;
  r.method = "PUT";
  r.target = "/items/a%20b?x=1&x=2&q=a+b&flag";
  r.headers = {
      {"Host", "127.0.0.1:8080"}, {"User-Agent", "curl/8"}, {"Content-Type", "application/json"},
      {"Cookie", "a=1; b=2"},     {"X-Multi", "one"},       {"x-multi", "two"}};
  r.body = R"({"name":"x"})";
  r.source_ip = "127.0.0.1";
  r.local_port = 8080;
  r.request_id = "req-1";
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1587481701067));
  return r;
}

TEST(HttpApiEvent, BuildsPayloadTwoPointZero) {
  const RouteMatch route{"PUT /items/{id}", {{"id", "a b"}}};
  const auto e = build_http_api_event(sample(), route);
  EXPECT_EQ(e.version, "2.0");
  EXPECT_EQ(e.route_key, "PUT /items/{id}");
  EXPECT_EQ(e.raw_path, "/items/a%20b");
  EXPECT_EQ(e.raw_query_string, "x=1&x=2&q=a+b&flag");
  EXPECT_EQ(e.query_string_parameters.at("x"), "1,2");
  EXPECT_EQ(e.query_string_parameters.at("q"), "a b");
  EXPECT_EQ(e.query_string_parameters.at("flag"), "");
  EXPECT_EQ(e.path_parameters.at("id"), "a b");
  EXPECT_EQ(e.cookies, (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_FALSE(e.headers.contains("cookie"));
  EXPECT_EQ(e.headers.at("x-multi"), "one,two");
  EXPECT_EQ(e.headers.at("content-type"), "application/json");
  EXPECT_EQ(e.headers.at("x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(e.request_context.http.method, "PUT");
  EXPECT_EQ(e.request_context.http.path, "/items/a%20b");
  EXPECT_EQ(e.request_context.http.user_agent, "curl/8");
  EXPECT_EQ(e.request_context.route_key, "PUT /items/{id}");
  EXPECT_EQ(e.request_context.stage, "$default");
  EXPECT_EQ(e.request_context.time, "21/Apr/2020:15:08:21 +0000");
  EXPECT_EQ(e.request_context.time_epoch, 1587481701067);
  EXPECT_EQ(e.request_context.domain_name, "127.0.0.1:8080");
  ASSERT_TRUE(e.body);
  EXPECT_EQ(*e.body, R"({"name":"x"})");
  EXPECT_FALSE(e.is_base64_encoded);
}

TEST(HttpApiEvent, BinaryBodiesAreBase64AndEmptyBodiesAbsent) {
  auto r = sample();
  r.headers = {{"Content-Type", "application/octet-stream"}};
  r.body = std::string("\x00\xff\x10", 3);
  const auto e = build_http_api_event(r, RouteMatch{"$default", {}});
  EXPECT_TRUE(e.is_base64_encoded);
  EXPECT_EQ(*e.body, "AP8Q");
  r.headers = {{"Content-Type", "text/plain"}};
  r.body = "\xc3\x28";  // invalid UTF-8 in a text type is still binary
  EXPECT_TRUE(build_http_api_event(r, RouteMatch{"$default", {}}).is_base64_encoded);
  r.body.clear();
  EXPECT_FALSE(build_http_api_event(r, RouteMatch{"$default", {}}).body);
}

// The event has the members of a real HTTP API event (the shared fixtures) and reads back.
TEST(HttpApiEvent, HasTheShapeOfTheRealFixtures) {
  const auto e = build_http_api_event(sample(), RouteMatch{"PUT /items/{id}", {{"id", "a b"}}});
  const json::Value ours = to_json(e);
  auto reparsed = events::read_http_api_request(ours);
  ASSERT_TRUE(reparsed) << reparsed.error().message;
  EXPECT_EQ(*reparsed, e);
  const char* root = std::getenv("STREAMCACHE_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "STREAMCACHE_SOURCE_DIR is not set";
  std::ifstream in(std::string(root) +
                   "/../shared/testdata/lambda-events/example-apigw-v2-request-no-authorizer.json");
  if (!in) GTEST_SKIP() << "../shared/testdata is not present";
  std::stringstream text;
  text << in.rdbuf();
  auto fixture = json::parse(text.str());
  ASSERT_TRUE(fixture);
  // Every member the fixture has (except mutual-TLS authentication and a body) we have too.
  for (const auto& member : fixture->as_object()) {
    EXPECT_NE(ours.find(member.name), nullptr) << member.name;
  }
  for (const auto& member : fixture->find("requestContext")->as_object()) {
    if (member.name == "authentication") continue;
    EXPECT_NE(ours.find("requestContext")->find(member.name), nullptr) << member.name;
  }
  for (const auto& member : fixture->find("requestContext")->find("http")->as_object()) {
    EXPECT_NE(ours.find("requestContext")->find("http")->find(member.name), nullptr) << member.name;
  }
}

TEST(FunctionResponse, ObjectWithStatusCodeIsAResponse) {
  auto r = response_from_function(
      R"({"statusCode":201,"headers":{"location":"/items/1"},"cookies":["a=1"],"body":"hi"})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(r->headers, (HeaderList{{"location", "/items/1"}, {"set-cookie", "a=1"}}));
  auto binary =
      response_from_function(R"({"statusCode":200,"body":"aGk=","isBase64Encoded":true})");
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->body, "hi");
}

TEST(FunctionResponse, JsonWithoutStatusCodeIsA200JsonBody) {
  for (const char* payload : {R"({"hello":"world"})", R"([1,2])", R"("text")", "42"}) {
    auto r = response_from_function(payload);
    ASSERT_TRUE(r) << payload;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, payload);
    EXPECT_EQ(r->headers, (HeaderList{{"content-type", "application/json"}}));
  }
}

TEST(FunctionResponse, MalformedResponsesAreErrors) {
  EXPECT_FALSE(response_from_function("not json"));
  EXPECT_FALSE(response_from_function(R"({"statusCode":"teapot"})"));
  EXPECT_FALSE(response_from_function(R"({"statusCode":700})"));
  EXPECT_FALSE(response_from_function(R"({"statusCode":200,"body":"!!","isBase64Encoded":true})"));
}

// Found by fuzz_function_response: the gateway wrote these onto the wire as they were, so a value
// with CR LF added headers of its own (response splitting).
TEST(FunctionResponse, HeadersTheWireCannotCarryAreErrors) {
  for (const char* payload : {
           R"({"statusCode":200,"headers":{"x":"a\r\nset-cookie: evil=1"}})",
           R"({"statusCode":200,"headers":{"x":"a\nb"}})",
           R"({"statusCode":200,"headers":{"x":"a\u0000b"}})",
           R"({"statusCode":200,"headers":{"bad name":"v"}})",
           R"({"statusCode":200,"headers":{"":"v"}})",
           R"({"statusCode":200,"multiValueHeaders":{"x":["ok","a\rb"]}})",
           R"({"statusCode":200,"cookies":["a=1\r\nx: y"]})",
       }) {
    auto r = response_from_function(payload);
    ASSERT_FALSE(r) << payload;
    EXPECT_NE(r.error().find("malformed function response: header"), std::string::npos);
  }
  auto ok =
      response_from_function(R"({"statusCode":200,"headers":{"x-a_b.c~1":"tab\tand \"quotes\""}})");
  EXPECT_TRUE(ok) << ok.error();
}

TEST(GatewayError, IsAMessageObject) {
  const auto e = gateway_error(404, "Not Found");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.body, R"({"message":"Not Found"})");
}

}  // namespace
}  // namespace streamcache::local
