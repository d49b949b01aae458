// Seeded mutation tests: thousands of damaged variants of real event shapes go through the API
// handler and the stream planner. Whatever the input, the answer is a well-formed response (a
// problem+json for every error, never the 500 of an escaped exception), nothing crashes (the asan
// tier runs this too), and neither the table nor the cache ever holds an item that breaks the
// model.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cache/item_protocol.h"
#include "fakes.h"
#include "items/api.h"
#include "items/item.h"
#include "items/stream.h"
#include "lambda/events/common.h"
#include "lambda/events/http.h"
#include "lambda/logger.h"
#include "stream_corpus.h"
#include "support/json_mutator.h"

namespace streamcache::items {
namespace {

namespace events = lambda::events;
using streamcache::testing::JsonMutator;
using testing::FakeCache;
using testing::FakeStore;

constexpr std::uint32_t kSeed = 20261124;
constexpr int kApiCases = 4000;
constexpr int kStreamCases = 1500;

json::Value object(std::initializer_list<std::pair<const char*, json::Value>> members) {
  json::Value o(json::Object{});
  for (const auto& [k, v] : members)
    o.set(k, v);
  return o;
}

json::Value v2_event(const std::string& method, const std::string& path, json::Value headers,
                     json::Value body) {
  return object({{"version", "2.0"},
                 {"routeKey", "$default"},
                 {"rawPath", path},
                 {"rawQueryString", ""},
                 {"headers", std::move(headers)},
                 {"requestContext", object({{"http", object({{"method", method}, {"path", path}})},
                                            {"stage", "$default"}})},
                 {"body", std::move(body)},
                 {"isBase64Encoded", false}});
}

// The requests a client makes, in the shapes API Gateway and Function URLs deliver.
std::vector<json::Value> api_seeds() {
  const json::Value json_type = object({{"content-type", "application/json"}});
  const std::string doc = R"({"name":"lamp","price":19.90,"tags":["a","b"],"dims":{"w":1,"h":2}})";
  std::vector<json::Value> seeds = {
      v2_event("POST", "/items", json_type, doc),
      v2_event("POST", "/items", json_type, R"({"id":"b","n":1})"),
      v2_event("PUT", "/items/a", object({{"content-type", "application/json"}, {"if-match", "*"}}),
               doc),
      v2_event("PATCH", "/items/a", object({{"content-type", "application/merge-patch+json"}}),
               R"({"price":null,"dims":{"w":3}})"),
      v2_event("GET", "/items/a", object({{"if-none-match", "\"1\""}}), json::Value()),
      v2_event("DELETE", "/items/b", object({}), json::Value()),
      v2_event("GET", "/items", object({}), json::Value()),
  };
  json::Value list = v2_event("GET", "/items", object({}), json::Value());
  list.set("queryStringParameters", object({{"limit", "2"}, {"cursor", "YQ"}}));
  seeds.push_back(std::move(list));
  json::Value base64 = v2_event("POST", "/items", json_type, "eyJuIjoxfQ==");
  base64.set("isBase64Encoded", true);
  seeds.push_back(std::move(base64));
  seeds.push_back(object({{"resource", "/{proxy+}"},
                          {"path", "/items/a"},
                          {"httpMethod", "PUT"},
                          {"headers", json_type},
                          {"multiValueHeaders", object({})},
                          {"queryStringParameters", json::Value()},
                          {"pathParameters", json::Value()},
                          {"requestContext", object({{"stage", "prod"}})},
                          {"body", doc},
                          {"isBase64Encoded", false}}));
  return seeds;
}

// Every stored item keeps the model: a valid id and the server-owned attributes.
::testing::AssertionResult item_keeps_the_model(const std::string& key, const json::Value& item) {
  const auto id = item.get_string("id");
  if (!id || *id != key || !is_valid_id(*id)) {
    return ::testing::AssertionFailure() << "bad id in " << json::serialize(item);
  }
  const json::Value* version = item.find("version");
  if (version == nullptr || !version->is_number() ||
      !cache::parse_version(version->as_number().text)) {
    return ::testing::AssertionFailure() << "bad version in " << json::serialize(item);
  }
  if (is_deleted_marker(item)) {
    if (item.as_object().size() != 4 || !item.get_string(kDeletedAt) || !item.find(kExpiresAt)) {
      return ::testing::AssertionFailure() << "bad deleted marker " << json::serialize(item);
    }
    return ::testing::AssertionSuccess();
  }
  if (!item.get_string("createdAt") || !item.get_string("updatedAt")) {
    return ::testing::AssertionFailure() << "timestamps missing in " << json::serialize(item);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult well_formed(const std::string& output) {
  auto response = events::parse_http_response(output);
  if (!response) return ::testing::AssertionFailure() << "unreadable response " << output;
  if (response->status_code < 200 || response->status_code > 599 || response->status_code == 500) {
    return ::testing::AssertionFailure() << "status " << response->status_code << ": " << output;
  }
  if (response->status_code >= 400) {
    auto type = events::find_header(response->headers, "content-type");
    auto body = json::parse(response->body);
    if (!type || *type != "application/problem+json" || !body ||
        body->get_int("status") != response->status_code || !body->get_string("detail")) {
      return ::testing::AssertionFailure() << "not a problem+json: " << output;
    }
  }
  return ::testing::AssertionSuccess();
}

class Robustness : public ::testing::Test {
 protected:
  // Thousands of expected warnings would bury a real failure's output.
  Robustness() { lambda::detail::process_logger().set_min_level(lambda::LogLevel::error); }
  ~Robustness() override { lambda::detail::process_logger().set_min_level(lambda::LogLevel::info); }
};

TEST_F(Robustness, DamagedApiEventsGetWellFormedAnswersAndNeverBreakStoredItems) {
  FakeStore store;
  FakeCache cache;
  std::int64_t now = 1'700'000'000'000'000;
  ItemsApi api(store, &cache, ApiOptions{true, [&now] { return now += 7; }});
  const std::vector<json::Value> seeds = api_seeds();
  JsonMutator mutate(kSeed);
  int answered_2xx = 0;
  std::map<int, int> statuses;
  for (int i = 0; i < kApiCases; ++i) {
    const json::Value& seed = seeds[static_cast<std::size_t>(i) % seeds.size()];
    std::string input;
    switch (mutate.below(4)) {
      case 0:
        input = json::serialize(seed);  // undamaged: keeps the table populated
        break;
      case 1:
        input = mutate.bytes(json::serialize(seed));
        break;
      case 2: {
        json::Value event = seed;
        mutate.tree(event);
        input = json::serialize(event);
        break;
      }
      default: {  // a damaged body inside an intact event
        json::Value event = seed;
        if (const json::Value* body = event.find("body"); body != nullptr && body->is_string()) {
          std::string text = body->as_string();
          if (auto parsed = json::parse(text); parsed && mutate.coin()) {
            mutate.tree(*parsed);
            text = json::serialize(*parsed);
          } else {
            text = mutate.bytes(text);
          }
          event.set("body", text);
        }
        input = json::serialize(event);
      }
    }
    const std::string output = api.handle_event(input);
    ASSERT_TRUE(well_formed(output)) << "case " << i << ", input: " << input;
    const int status = events::parse_http_response(output)->status_code;
    ++statuses[status];
    if (status < 300) ++answered_2xx;
    if (i % 64 != 0 && i + 1 != kApiCases) continue;  // the whole table now and then: it grows
    for (const auto& [key, item] : store.items)
      ASSERT_TRUE(item_keeps_the_model(key, item)) << "case " << i << ", input: " << input;
    for (const auto& [key, entry] : cache.entries) {
      if (entry.kind != 'I') continue;
      auto cached = json::parse(entry.body);
      ASSERT_TRUE(cached && item_keeps_the_model(key, *cached))
          << "case " << i << ", cached: " << entry.body << ", input: " << input;
    }
  }
  EXPECT_GT(answered_2xx, kApiCases / 10);
  EXPECT_GE(statuses.size(), 8u)
      << "the damage should reach many different answers";  // the undamaged quarter keeps real work
                                                            // going
  EXPECT_FALSE(store.items.empty());
}

TEST_F(Robustness, DamagedStreamBatchesArePlannedOrRefusedNeverMisapplied) {
  const std::string seed_text = corpus::stream_batch_seed();
  const json::Value seed = *json::parse(seed_text);
  JsonMutator mutate(kSeed + 1);
  FakeCache cache;
  int planned = 0;
  for (int i = 0; i < kStreamCases; ++i) {
    const std::string input = mutate.damage(seed_text, seed);
    auto plan = plan_stream_batch(input);
    if (!plan) continue;  // not a batch at all: the function reports an error, Lambda retries
    ++planned;
    ASSERT_EQ(plan->ops.size() + static_cast<std::size_t>(plan->skipped),
              plan->sequence_numbers.size())
        << "every record is planned or skipped; input: " << input;
    for (const StreamOp& op : plan->ops) {
      ASSERT_TRUE(cache::validate_id(op.id)) << "input: " << input;
      if (op.kind != StreamOp::Kind::apply) continue;
      auto body = json::parse(op.body);
      ASSERT_TRUE(body && body->is_object() && body->get_string("id") == op.id)
          << "input: " << input;
    }
    const StreamOutcome outcome = apply_stream_plan(*plan, cache);
    EXPECT_TRUE(outcome.response.batch_item_failures.empty()) << "the cache never failed";
  }
  EXPECT_GT(planned, kStreamCases / 4);
}

}  // namespace
}  // namespace streamcache::items
