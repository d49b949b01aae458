#include "local/routes.h"

#include <gtest/gtest.h>

namespace streamcache::local {
namespace {

RouteTable items_routes() {
  auto t = RouteTable::build({"POST /items", "GET /items", "GET /items/{id}", "PUT /items/{id}",
                              "PATCH /items/{id}", "DELETE /items/{id}"});
  EXPECT_TRUE(t) << t.error();
  return *t;
}

TEST(RouteTable, MatchesTheItemsRoutesWithPathParameters) {
  const auto t = items_routes();
  auto m = t.match("GET", "/items/abc");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route_key, "GET /items/{id}");
  EXPECT_EQ(m->path_parameters.at("id"), "abc");
  EXPECT_EQ(t.match("GET", "/items")->route_key, "GET /items");
  EXPECT_TRUE(t.match("GET", "/items")->path_parameters.empty());
  EXPECT_EQ(t.match("DELETE", "/items/x")->route_key, "DELETE /items/{id}");
  EXPECT_EQ(t.match("GET", "/items/a%20b")->path_parameters.at("id"), "a b");
}

TEST(RouteTable, UnknownPathsAndMethodsAreNotFound) {
  const auto t = items_routes();
  EXPECT_FALSE(t.match("GET", "/"));
  EXPECT_FALSE(t.match("GET", "/things"));
  EXPECT_FALSE(t.match("GET", "/items/a/b"));
  EXPECT_FALSE(t.match("DELETE", "/items"));
  EXPECT_FALSE(t.match("GET", "/items/"));  // {id} needs a value
}

TEST(RouteTable, MostSpecificRouteWins) {
  auto t = RouteTable::build(
      {"ANY /{proxy+}", "GET /items/{id}", "GET /items/special", "ANY /items/{id}", "$default"});
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->match("GET", "/items/special")->route_key, "GET /items/special");
  EXPECT_EQ(t->match("GET", "/items/other")->route_key, "GET /items/{id}");
  EXPECT_EQ(t->match("PUT", "/items/other")->route_key, "ANY /items/{id}");
  auto greedy = t->match("POST", "/a/b/c");
  ASSERT_TRUE(greedy);
  EXPECT_EQ(greedy->route_key, "ANY /{proxy+}");
  EXPECT_EQ(greedy->path_parameters.at("proxy"), "a/b/c");
  EXPECT_EQ(t->match("GET", "/")->route_key, "$default");
}

TEST(RouteTable, BadRouteKeysAreRejected) {
  EXPECT_EQ(RouteTable::build({"GET /{rest+}/x"}).error(),
            "route \"GET /{rest+}/x\": a greedy {rest+} must be the last segment");
  EXPECT_EQ(RouteTable::build({"GET /a{id}"}).error(),
            "route \"GET /a{id}\": a variable must be a whole segment, like {id}");
  EXPECT_EQ(RouteTable::build({"GET"}).error(),
            "route \"GET\": expected \"METHOD /path\" or \"$default\"");
}

TEST(PercentDecode, DecodesValidEscapesOnly) {
  EXPECT_EQ(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
}

}  // namespace
}  // namespace streamcache::local
