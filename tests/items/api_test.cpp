#include "items/api.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fakes.h"
#include "lambda/events/common.h"

namespace streamcache::items {
namespace {

namespace events = lambda::events;
using testing::FakeCache;
using testing::FakeStore;

using Headers = std::vector<std::pair<std::string, std::string>>;

json::Value headers_json(const Headers& headers) {
  json::Value h(json::Object{});
  for (const auto& [k, v] : headers)
    h.set(k, v);
  return h;
}

// An HTTP API payload 2.0 event, the shape API Gateway sends.
std::string v2_event(std::string_view method, std::string_view path, const Headers& headers = {},
                     std::optional<std::string> body = std::nullopt, bool base64 = false,
                     const Headers& query = {}) {
  json::Value http(json::Object{});
  http.set("method", method);
  http.set("path", path);
  json::Value context(json::Object{});
  context.set("stage", "$default");
  context.set("http", std::move(http));
  json::Value e(json::Object{});
  e.set("version", "2.0");
  e.set("routeKey", "$default");
  e.set("rawPath", path);
  e.set("rawQueryString", "");
  e.set("headers", headers_json(headers));
  if (!query.empty()) e.set("queryStringParameters", headers_json(query));
  e.set("requestContext", std::move(context));
  if (body) e.set("body", *body);
  e.set("isBase64Encoded", base64);
  return json::serialize(e);
}

// A REST API (v1) proxy event.
std::string v1_event(std::string_view method, std::string_view path, const Headers& headers = {},
                     std::optional<std::string> body = std::nullopt) {
  json::Value e(json::Object{});
  e.set("resource", "/{proxy+}");
  e.set("path", path);
  e.set("httpMethod", method);
  e.set("headers", headers_json(headers));
  json::Value context(json::Object{});
  context.set("httpMethod", method);
  context.set("path", std::string("/prod") + std::string(path));
  context.set("stage", "prod");
  e.set("requestContext", std::move(context));
  e.set("body", body ? json::Value(*body) : json::Value(nullptr));
  e.set("isBase64Encoded", false);
  return json::serialize(e);
}

const Headers kJson = {{"content-type", "application/json"}};
constexpr const char* kMergePatch = "application/merge-patch+json";

// {"deep":[[...]]} with `levels` nested arrays.
std::string nested_document(int levels) {
  return R"({"deep":)" + std::string(levels, '[') + std::string(levels, ']') + "}";
}

class ItemsApiTest : public ::testing::Test {
 protected:
  ItemsApiTest() : api_(store_, &cache_, ApiOptions{true, [this] { return now_; }}) {}

  events::HttpResponse call(const std::string& event) {
    std::string out = api_.handle_event(event);
    auto response = events::parse_http_response(out);
    EXPECT_TRUE(response) << out;
    return response ? *response : events::HttpResponse{};
  }
  json::Value body(const events::HttpResponse& r) {
    auto v = json::parse(r.body);
    EXPECT_TRUE(v) << r.body;
    return v ? *v : json::Value();
  }
  std::string header(const events::HttpResponse& r, std::string_view name) {
    auto v = events::find_header(r.headers, name);
    return v ? std::string(*v) : std::string();
  }
  void expect_problem(const events::HttpResponse& r, int status, std::string_view detail) {
    EXPECT_EQ(r.status_code, status) << r.body;
    EXPECT_EQ(header(r, "content-type"), "application/problem+json");
    auto b = body(r);
    EXPECT_EQ(b.get_int("status"), status);
    auto d = b.get_string("detail");
    ASSERT_TRUE(d) << r.body;
    EXPECT_NE(d->find(detail), std::string_view::npos) << *d;
  }

  FakeStore store_;
  FakeCache cache_;
  std::int64_t now_ = 1'700'000'000'000'000;
  ItemsApi api_;
};

TEST_F(ItemsApiTest, CreateThenReadHitsTheWriteThroughEntry) {
  auto created = call(v2_event("POST", "/items", kJson, R"({"id":"a1","name":"x","n":1.50})"));
  ASSERT_EQ(created.status_code, 201) << created.body;
  EXPECT_EQ(header(created, "location"), "/items/a1");
  EXPECT_EQ(header(created, "etag"), "\"1700000000000000\"");
  EXPECT_EQ(created.body, R"({"createdAt":"2023-11-14T22:13:20.000Z","id":"a1","n":1.5,"name":"x",)"
                          R"("updatedAt":"2023-11-14T22:13:20.000Z","version":1700000000000000})");
  auto read = call(v2_event("GET", "/items/a1"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
  EXPECT_EQ(header(read, "etag"), header(created, "etag"));
  EXPECT_EQ(store_.gets, 0);
}

TEST_F(ItemsApiTest, CreateWithoutIdMakesAUuid) {
  auto created = call(v2_event("POST", "/items", kJson, R"({"name":"x"})"));
  ASSERT_EQ(created.status_code, 201);
  json::Value item = body(created);
  auto id = item.get_string("id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 36u);
  EXPECT_EQ(header(created, "location"), "/items/" + std::string(*id));
}

TEST_F(ItemsApiTest, CreateOfAnExistingIdIsAConflict) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"a"})")).status_code, 201);
  now_ += 1;  // another request: an identical row (same microsecond) would read as its own retry
  expect_problem(call(v2_event("POST", "/items", kJson, R"({"id":"a"})")), 409, "already exists");
}

TEST_F(ItemsApiTest, MissReadsTheTableAndFills) {
  store_.items["m"] = *json::parse(R"({"id":"m","version":5,"b":true})");
  auto first = call(v2_event("GET", "/items/m"));
  EXPECT_EQ(first.status_code, 200);
  EXPECT_EQ(first.body, R"({"b":true,"id":"m","version":5})");
  EXPECT_EQ(header(first, "cache-status"), "streamcache; fwd=miss; stored");
  EXPECT_EQ(header(first, "etag"), "\"5\"");
  auto second = call(v2_event("GET", "/items/m"));
  EXPECT_EQ(header(second, "cache-status"), "streamcache; hit");
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(api_.stats().cache_hits, 1);
  EXPECT_EQ(api_.stats().cache_misses, 1);
  EXPECT_EQ(api_.stats().cache_fills, 1);
}

TEST_F(ItemsApiTest, CachedTombstoneAnswers404WithoutReadingTheTable) {
  store_.items["s"] = *json::parse(R"({"id":"s","version":5})");
  cache_.entries["s"] = {'T', 9, {}};
  auto read = call(v2_event("GET", "/items/s"));
  EXPECT_EQ(read.status_code, 404);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
  EXPECT_EQ(store_.gets, 0);
}

TEST_F(ItemsApiTest, AbsentItemFillsANegativeEntryAnd404s) {
  auto first = call(v2_event("GET", "/items/none"));
  expect_problem(first, 404, "does not exist");
  EXPECT_EQ(header(first, "cache-status"), "streamcache; fwd=miss; stored");
  EXPECT_EQ(cache_.entries["none"].kind, 'N');
  auto second = call(v2_event("GET", "/items/none"));
  EXPECT_EQ(second.status_code, 404);
  EXPECT_EQ(header(second, "cache-status"), "streamcache; hit");
  EXPECT_EQ(store_.gets, 1);
}

TEST_F(ItemsApiTest, UnversionedItemsAreServedButNotCached) {
  store_.items["u"] = *json::parse(R"({"id":"u","x":1})");
  auto read = call(v2_event("GET", "/items/u"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(header(read, "etag"), "\"0\"");
  EXPECT_EQ(header(read, "cache-status"), "streamcache; fwd=miss");
  EXPECT_EQ(cache_.entries.count("u"), 0u);
}

TEST_F(ItemsApiTest, RedisDownNeverFailsReadsOrWrites) {
  cache_.down = true;
  auto created = call(v2_event("POST", "/items", kJson, R"({"id":"d"})"));
  EXPECT_EQ(created.status_code, 201);
  auto read = call(v2_event("GET", "/items/d"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; fwd=miss; detail=cache-unavailable");
  EXPECT_EQ(call(v2_event("DELETE", "/items/d")).status_code, 204);
  auto gone = call(v2_event("GET", "/items/d"));
  EXPECT_EQ(gone.status_code, 404);
  EXPECT_EQ(header(gone, "cache-status"), "streamcache; fwd=miss; detail=cache-unavailable");
  EXPECT_GE(api_.stats().cache_errors, 4);
}

TEST_F(ItemsApiTest, IfNoneMatchAnswers304) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"e"})")).status_code, 201);
  auto r = call(v2_event("GET", "/items/e", {{"if-none-match", "\"1700000000000000\""}}));
  EXPECT_EQ(r.status_code, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(header(r, "etag"), "\"1700000000000000\"");
  EXPECT_EQ(call(v2_event("GET", "/items/e", {{"if-none-match", "\"1\""}})).status_code, 200);
}

TEST_F(ItemsApiTest, PutReplacesKeepsCreatedAtAndBumpsVersion) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"p","a":1,"b":2})")).status_code, 201);
  now_ += 5'000'000;
  auto put = call(v2_event("PUT", "/items/p", kJson, R"({"a":3})"));
  ASSERT_EQ(put.status_code, 200) << put.body;
  EXPECT_EQ(put.body, R"({"a":3,"createdAt":"2023-11-14T22:13:20.000Z","id":"p",)"
                      R"("updatedAt":"2023-11-14T22:13:25.000Z","version":1700000005000000})");
  EXPECT_EQ(call(v2_event("GET", "/items/p")).body, put.body);
}

TEST_F(ItemsApiTest, PutVersionIncreasesEvenWhenTheClockIsBehind) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"c"})")).status_code, 201);
  now_ -= 1'000'000;
  auto put = call(v2_event("PUT", "/items/c", kJson, R"({})"));
  EXPECT_EQ(header(put, "etag"), "\"1700000000000001\"");
}

TEST_F(ItemsApiTest, PutCreatesWith201) {
  auto put = call(v2_event("PUT", "/items/new", kJson, R"({"id":"new","x":[1,{"y":null}]})"));
  EXPECT_EQ(put.status_code, 201);
  EXPECT_EQ(header(put, "location"), "/items/new");
}

TEST_F(ItemsApiTest, IfMatchMismatchIs412) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"i"})")).status_code, 201);
  Headers stale = {{"content-type", "application/json"}, {"if-match", "\"1\""}};
  expect_problem(call(v2_event("PUT", "/items/i", stale, "{}")), 412, "If-Match");
  Headers patch_stale = {{"content-type", "application/merge-patch+json"}, {"if-match", "\"1\""}};
  expect_problem(call(v2_event("PATCH", "/items/i", patch_stale, "{}")), 412, "If-Match");
  expect_problem(call(v2_event("DELETE", "/items/i", {{"if-match", "\"1\""}})), 412, "If-Match");
  Headers good = {{"content-type", "application/json"}, {"if-match", "\"1700000000000000\""}};
  EXPECT_EQ(call(v2_event("PUT", "/items/i", good, "{}")).status_code, 200);
  expect_problem(call(v2_event("PUT", "/items/absent", good, "{}")), 412, "If-Match");
}

TEST_F(ItemsApiTest, ConcurrentWriterWithIfMatchGets412AndWithoutRetries) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"r"})")).status_code, 201);
  store_.conflicts_to_inject = 1;
  EXPECT_EQ(call(v2_event("PUT", "/items/r", kJson, "{}")).status_code, 200);
  store_.conflicts_to_inject = 1;
  Headers matching = {{"content-type", "application/json"}, {"if-match", "*"}};
  expect_problem(call(v2_event("PUT", "/items/r", matching, "{}")), 412, "changed");
  store_.conflicts_to_inject = 10;
  expect_problem(call(v2_event("PUT", "/items/r", kJson, "{}")), 409, "concurrently");
}

TEST_F(ItemsApiTest, PatchMergesAndRejectsServerOwnedMembers) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"m","a":{"b":1,"c":2}})")).status_code,
            201);
  now_ += 1;
  Headers patch = {{"content-type", "application/merge-patch+json"}};
  auto r = call(v2_event("PATCH", "/items/m", patch, R"({"a":{"c":null,"d":3}})"));
  ASSERT_EQ(r.status_code, 200) << r.body;
  EXPECT_EQ(json::serialize(*body(r).find("a")), R"({"b":1,"d":3})");
  EXPECT_EQ(header(r, "etag"), "\"1700000000000001\"");
  expect_problem(call(v2_event("PATCH", "/items/m", patch, R"({"version":1})")), 400, "owned");
  // The merged item is what must be storable: one level in the patch adds to the existing `a`.
  expect_problem(
      call(v2_event("PATCH", "/items/m", patch,
                    R"({"a":{"e":)" + std::string(32, '[') + std::string(32, ']') + "}}")),
      400, "`a` nests maps and lists deeper than 32 levels");
  expect_problem(call(v2_event("PATCH", "/items/m", patch, R"({"":1})")), 400, "must not be empty");
  expect_problem(call(v2_event("PATCH", "/items/m", kJson, R"({})")), 415, "merge-patch");
  expect_problem(call(v2_event("PATCH", "/items/zz", patch, R"({})")), 404, "does not exist");
}

TEST_F(ItemsApiTest, DeleteLeavesATombstoneThatBeatsLateFills) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"t"})")).status_code, 201);
  EXPECT_EQ(call(v2_event("DELETE", "/items/t")).status_code, 204);
  EXPECT_EQ(cache_.entries["t"].kind, 'T');
  EXPECT_EQ(cache_.entries["t"].version, 1700000000000001u);
  // A fill that read the item before the delete arrives late: it must not resurrect it.
  EXPECT_EQ(*cache_.apply_if_newer("t", 1700000000000000, "{}"), cache::WriteResult::stale);
  expect_problem(call(v2_event("GET", "/items/t")), 404, "does not exist");
  expect_problem(call(v2_event("DELETE", "/items/t")), 404, "does not exist");
}

TEST_F(ItemsApiTest, RecreateAfterDeleteIsReadable) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"x"})")).status_code, 201);
  ASSERT_EQ(call(v2_event("DELETE", "/items/x")).status_code, 204);
  now_ += 1;  // same as the tombstone's version: the tie rule lets the item win
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"x"})")).status_code, 201);
  auto read = call(v2_event("GET", "/items/x"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(header(read, "cache-status"), "streamcache; hit");
}

TEST_F(ItemsApiTest, RecreateWithAClockBehindTheDeletedVersionStillWins) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"y"})")).status_code, 201);
  for (int i = 0; i < 3; ++i) {  // same microsecond: versions run ahead of the clock
    ASSERT_EQ(call(v2_event("PUT", "/items/y", kJson, "{}")).status_code, 200);
  }
  ASSERT_EQ(call(v2_event("DELETE", "/items/y")).status_code, 204);
  now_ -= 10;  // another instance whose clock is behind
  auto again = call(v2_event("POST", "/items", kJson, R"({"id":"y"})"));
  ASSERT_EQ(again.status_code, 201);
  // The deleted marker (1700000000000004, above the last version) is the floor.
  EXPECT_EQ(header(again, "etag"), "\"1700000000000005\"");
  EXPECT_EQ(header(call(v2_event("GET", "/items/y")), "cache-status"), "streamcache; hit");
  ASSERT_EQ(call(v2_event("DELETE", "/items/y")).status_code, 204);
  auto put = call(v2_event("PUT", "/items/y", kJson, "{}"));
  ASSERT_EQ(put.status_code, 201);
  EXPECT_EQ(header(put, "etag"), "\"1700000000000007\"");
}

TEST_F(ItemsApiTest, NumbersAreStoredAnsweredAndCachedInDynamoDbsCanonicalText) {
  auto created = call(v2_event("POST", "/items", kJson,
                               R"({"id":"n","a":1.50,"b":1E+3,"c":-0,"d":[0.0,-1.2300E2,1e-3]})"));
  ASSERT_EQ(created.status_code, 201) << created.body;
  const auto canonical_part = R"("a":1.5,"b":1000,"c":0,)"
                              R"("createdAt":"2023-11-14T22:13:20.000Z","d":[0,-123,0.001])";
  EXPECT_NE(created.body.find(canonical_part), std::string::npos) << created.body;
  EXPECT_EQ(cache_.entries["n"].body, created.body);
  EXPECT_EQ(json::serialize(canonical(store_.items["n"])), created.body);

  now_ += 1;
  auto patched =
      call(v2_event("PATCH", "/items/n", {{"content-type", kMergePatch}}, R"({"e":2.500E1})"));
  ASSERT_EQ(patched.status_code, 200) << patched.body;
  EXPECT_NE(patched.body.find(R"("e":25)"), std::string::npos) << patched.body;
  EXPECT_EQ(cache_.entries["n"].body, patched.body);
  EXPECT_EQ(json::serialize(canonical(store_.items["n"])), patched.body);

  expect_problem(call(v2_event("PUT", "/items/n", kJson, R"({"z":0e200})")), 400,
                 "outside DynamoDB's range");
  expect_problem(call(v2_event("PUT", "/items/n", kJson, R"({"z":1e126})")), 400,
                 "magnitude above");
}

TEST_F(ItemsApiTest, DeleteLeavesAMarkerThatReadsListsAndPatchesNeverShow) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"d"})")).status_code, 201);
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"e"})")).status_code, 201);
  now_ += 1;
  ASSERT_EQ(call(v2_event("DELETE", "/items/d")).status_code, 204);
  const json::Value& marker = store_.items.at("d");
  EXPECT_TRUE(is_deleted_marker(marker));
  EXPECT_EQ(marker.get_int(kExpiresAt), now_ / 1'000'000 + 86'400);
  EXPECT_EQ(cache_.entries["d"].kind, 'T');

  cache_.entries.clear();  // evicted: the table's marker answers alone
  auto read = call(v2_event("GET", "/items/d"));
  EXPECT_EQ(read.status_code, 404);
  EXPECT_EQ(cache_.entries["d"].kind, 'T');  // filled from the marker
  EXPECT_EQ(cache_.entries["d"].version, *version_of(marker));
  auto list = body(call(v2_event("GET", "/items")));
  ASSERT_EQ(list.find("items")->as_array().size(), 1u);
  expect_problem(call(v2_event("PATCH", "/items/d", {{"content-type", kMergePatch}}, "{}")), 404,
                 "does not exist");
  now_ += 1;  // another request (an identical marker would read as this one's own retry)
  expect_problem(call(v2_event("DELETE", "/items/d")), 404, "does not exist");
}

TEST_F(ItemsApiTest, RecreateAfterAnEvictedDeleteStaysAboveTheDeletedVersionWhateverTheClock) {
  ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":"s"})")).status_code, 201);
  ASSERT_EQ(call(v2_event("DELETE", "/items/s")).status_code, 204);
  const Version deleted = *version_of(store_.items.at("s"));
  cache_.entries.clear();  // Redis lost the tombstone (eviction, failover, never written)
  now_ -= 1'000'000;       // a writer whose clock runs a second behind
  auto post = call(v2_event("POST", "/items", kJson, R"({"id":"s"})"));
  ASSERT_EQ(post.status_code, 201) << post.body;
  EXPECT_EQ(header(post, "etag"), etag_of(deleted + 1));

  ASSERT_EQ(call(v2_event("DELETE", "/items/s")).status_code, 204);
  cache_.entries.clear();
  now_ -= 1'000'000;
  auto put = call(v2_event("PUT", "/items/s", kJson, "{}"));
  ASSERT_EQ(put.status_code, 201) << put.body;
  EXPECT_GT(*version_of(*json::parse(put.body)), deleted + 1);
}

TEST_F(ItemsApiTest, WritesWhoseFirstAnswerWasLostAnswerAsTheyCommitted) {
  store_.lose_next_answer = true;
  auto created = call(v2_event("POST", "/items", kJson, R"({"id":"r"})"));
  EXPECT_EQ(created.status_code, 201) << created.body;
  EXPECT_EQ(cache_.entries["r"].kind, 'I');

  now_ += 1;
  store_.lose_next_answer = true;
  auto put = call(v2_event(
      "PUT", "/items/r",
      {{"content-type", "application/json"}, {"if-match", header(created, "etag")}}, R"({"v":2})"));
  EXPECT_EQ(put.status_code, 200) << put.body;

  now_ += 1;
  store_.lose_next_answer = true;
  auto patched = call(v2_event("PATCH", "/items/r", {{"content-type", kMergePatch}}, R"({"v":3})"));
  EXPECT_EQ(patched.status_code, 200) << patched.body;

  now_ += 1;
  store_.lose_next_answer = true;
  EXPECT_EQ(call(v2_event("DELETE", "/items/r")).status_code, 204);
  EXPECT_EQ(cache_.entries["r"].kind, 'T');
  EXPECT_TRUE(is_deleted_marker(store_.items.at("r")));
}

TEST_F(ItemsApiTest, NestingUpToDynamoDbsLimitIsStored) {
  EXPECT_EQ(call(v2_event("POST", "/items", kJson, nested_document(32))).status_code, 201);
}

TEST_F(ItemsApiTest, BadBodiesGetSpecificProblems) {
  expect_problem(call(v2_event("POST", "/items", kJson, "{\"a\":")), 400, "malformed JSON");
  expect_problem(call(v2_event("POST", "/items", kJson, R"({"a":"\udc00"})")), 400,
                 "not valid UTF-8");
  expect_problem(call(v2_event("POST", "/items", kJson, "[1]")), 400, "JSON object");
  expect_problem(call(v2_event("POST", "/items", kJson, nested_document(33))), 400,
                 "`deep` nests maps and lists deeper than 32 levels");
  expect_problem(call(v2_event("POST", "/items", kJson, R"({"id":"a b"})")), 400, "`id` must be");
  expect_problem(call(v2_event("POST", "/items", kJson, R"({"version":3})")), 400, "owned");
  expect_problem(call(v2_event("POST", "/items", {{"content-type", "text/plain"}}, "{}")), 415,
                 "application/json");
  expect_problem(call(v2_event("POST", "/items", {}, "{}")), 415, "application/json");
  std::string big = R"({"s":")" + std::string(410 * 1024, 'x') + "\"}";
  expect_problem(call(v2_event("POST", "/items", kJson, big)), 413, "400 KB");
  expect_problem(call(v2_event("PUT", "/items/a", kJson, R"({"id":"b"})")), 400, "differs");
  EXPECT_TRUE(store_.items.empty());
}

TEST_F(ItemsApiTest, ContentTypeParametersAndJsonSuffixesAreAccepted) {
  Headers h = {{"content-type", "Application/JSON; charset=utf-8"}};
  EXPECT_EQ(call(v2_event("POST", "/items", h, R"({"id":"ct"})")).status_code, 201);
}

TEST_F(ItemsApiTest, Base64BodyIsDecoded) {
  std::string encoded = events::encode_base64(R"({"id":"b64","v":"é"})");
  auto r = call(v2_event("POST", "/items", kJson, encoded, true));
  ASSERT_EQ(r.status_code, 201) << r.body;
  EXPECT_EQ(body(r).get_string("v"), "é");
  expect_problem(call(v2_event("POST", "/items", kJson, "%%%", true)), 400, "could not be read");
}

TEST_F(ItemsApiTest, RoutingErrors) {
  expect_problem(call(v2_event("GET", "/nope")), 404, "no route");
  expect_problem(call(v2_event("GET", "/items/a/b")), 404, "no route");
  auto r = call(v2_event("DELETE", "/items"));
  expect_problem(r, 405, "GET and POST");
  EXPECT_EQ(header(r, "allow"), "GET, POST");
  auto r2 = call(v2_event("POST", "/items/a", kJson, "{}"));
  EXPECT_EQ(r2.status_code, 405);
  EXPECT_EQ(header(r2, "allow"), "DELETE, GET, PATCH, PUT");
  expect_problem(call(v2_event("GET", "/items/a%20b")), 400, "invalid id");
  expect_problem(call(v2_event("GET", "/items/" + std::string(129, 'a'))), 400, "invalid id");
  EXPECT_EQ(call(v2_event("GET", "/items/")).status_code, 200);  // trailing slash: the list
}

TEST_F(ItemsApiTest, UndecodableEventsAreProblemsNotCrashes) {
  expect_problem(call("not json"), 400, "could not be read");
  expect_problem(call("{}"), 400, "could not be read");
  expect_problem(call(R"({"version":"2.0","rawPath":1})"), 400, "could not be read");
}

TEST_F(ItemsApiTest, DynamoDbUnavailableIs503WithRetryAfter) {
  store_.failure = StoreError{StoreError::Kind::unavailable, "throttled"};
  auto r = call(v2_event("GET", "/items/a"));
  expect_problem(r, 503, "retry later");
  EXPECT_EQ(header(r, "retry-after"), "1");
  expect_problem(call(v2_event("POST", "/items", kJson, "{}")), 503, "retry later");
  store_.failure = StoreError{StoreError::Kind::other, "boom"};
  expect_problem(call(v2_event("GET", "/items/a")), 500, "internal");
  store_.failure = StoreError{StoreError::Kind::too_large, "big"};
  expect_problem(call(v2_event("POST", "/items", kJson, "{}")), 413, "400 KB");
}

TEST_F(ItemsApiTest, ListPagesWithAnOpaqueCursor) {
  for (std::string id : {"a", "b", "c"}) {
    ASSERT_EQ(call(v2_event("POST", "/items", kJson, R"({"id":")" + id + "\"}")).status_code, 201);
  }
  auto first = call(v2_event("GET", "/items", {}, std::nullopt, false, {{"limit", "2"}}));
  ASSERT_EQ(first.status_code, 200) << first.body;
  auto page = body(first);
  EXPECT_EQ(page.find("items")->as_array().size(), 2u);
  auto cursor = page.get_string("nextCursor");
  ASSERT_TRUE(cursor);
  auto second = body(call(v2_event("GET", "/items", {}, std::nullopt, false,
                                   {{"limit", "2"}, {"cursor", std::string(*cursor)}})));
  ASSERT_EQ(second.find("items")->as_array().size(), 1u);
  EXPECT_EQ(second.find("items")->as_array()[0].get_string("id"), "c");
  EXPECT_TRUE(second.find("nextCursor")->is_null());
  for (std::string bad : {"0", "101", "x", "2x"}) {
    expect_problem(call(v2_event("GET", "/items", {}, std::nullopt, false, {{"limit", bad}})), 400,
                   "limit");
  }
  expect_problem(call(v2_event("GET", "/items", {}, std::nullopt, false, {{"cursor", "!!"}})), 400,
                 "cursor");
}

TEST(Cursor, RoundTripsAsBase64Url) {
  std::string c = encode_cursor("a~b-c_d.e");
  EXPECT_EQ(c.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(decode_cursor(c), "a~b-c_d.e");
  EXPECT_EQ(decode_cursor(encode_cursor("a/b")), std::nullopt);  // not an id
}

TEST_F(ItemsApiTest, RestApiV1EventsWork) {
  Headers h = {{"Content-Type", "application/json"}};
  auto created = call(v1_event("POST", "/items", h, R"({"id":"v1"})"));
  EXPECT_EQ(created.status_code, 201) << created.body;
  auto read = call(v1_event("GET", "/items/v1", {{"If-None-Match", header(created, "etag")}}));
  EXPECT_EQ(read.status_code, 304);
}

TEST_F(ItemsApiTest, CustomStageInRawPathIsStripped) {
  json::Value e = *json::parse(v2_event("GET", "/prod/items/s1"));
  e.find("requestContext")->set("stage", "prod");
  auto r = call(json::serialize(e));
  EXPECT_EQ(r.status_code, 404);
  EXPECT_NE(r.body.find("item s1 does not exist"), std::string::npos) << r.body;
}

// Real event shapes from the shared fixtures, retargeted at the items routes.
std::optional<json::Value> fixture(const std::string& name) {
  const char* source = std::getenv("STREAMCACHE_SOURCE_DIR");
  if (source == nullptr) return std::nullopt;
  std::ifstream in(std::filesystem::path(source) / ".." / "shared" / "testdata" / "lambda-events" /
                   name);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto v = json::parse(text.str());
  if (!v) return std::nullopt;
  return *v;
}

TEST_F(ItemsApiTest, FixtureEventsOfEveryFormatRoute) {
  struct Case {
    std::string file;
    bool v1;
  };
  int seen = 0;
  for (const Case& c :
       {Case{"apigw_v2_proxy_request.json", false},
        Case{"example-apigw-v2-request-no-authorizer.json", false},
        Case{"lambda_function_url_request.json", false}, Case{"apigw_proxy_request.json", true},
        Case{"example-apigw-request.json", true}}) {
    auto e = fixture(c.file);
    if (!e) continue;
    ++seen;
    std::string id = "fx" + std::to_string(seen);
    if (c.v1) {
      e->set("path", "/items");
      e->set("httpMethod", "POST");
      e->set("isBase64Encoded", false);
      e->set("headers", headers_json({{"Content-Type", "application/json"}}));
      e->set("multiValueHeaders", json::Value(nullptr));
    } else {
      e->set("rawPath", "/items");
      e->find("requestContext")->set("stage", "$default");
      e->find("requestContext")->find("http")->set("method", "POST");
      e->set("isBase64Encoded", false);
      e->set("headers", headers_json({{"content-type", "application/json"}}));
    }
    e->set("body", R"({"id":")" + id + "\"}");
    auto r = call(json::serialize(*e));
    EXPECT_EQ(r.status_code, 201) << c.file << ": " << r.body;
  }
  if (seen == 0) GTEST_SKIP() << "no fixtures (STREAMCACHE_SOURCE_DIR/../shared/testdata)";
}

TEST(AnswerBudget, LeavesMaxOf500MsAndATenthToAnswer) {
  using namespace std::chrono_literals;
  EXPECT_EQ(answer_budget(10s), 9000ms);  // the API function's timeout
  EXPECT_EQ(answer_budget(30s), 27000ms);
  EXPECT_EQ(answer_budget(3s), 2500ms);  // 10 % would be 300 ms: 500 ms is the floor
  EXPECT_EQ(answer_budget(500ms), 0ms);
  EXPECT_EQ(answer_budget(-20ms), 0ms);  // past the deadline already
}

TEST(ItemsApiDeadline, SpentBudgetAnswers503ProblemWithRetryAfter) {
  FakeStore store;
  ItemsApi api(store, nullptr, ApiOptions{});
  ApiRequest request;
  request.method = "GET";
  request.path = "/items/a";
  // The fake store ignores deadlines; the real adapters refuse a call out of time (below).
  store.failure = StoreError{StoreError::Kind::unavailable,
                             "DeadlineExceeded: GetItem ran out of the invocation's time budget"};
  auto r = api.handle(request, Deadline::after(std::chrono::milliseconds(0)));
  EXPECT_EQ(r.status_code, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");
  EXPECT_NE(r.body.find("time budget"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace streamcache::items
