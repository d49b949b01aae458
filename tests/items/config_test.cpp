#include "items/config.h"

#include <gtest/gtest.h>

#include "items/metrics.h"
#include "json/json.h"

namespace streamcache::items {
namespace {

using Env = std::map<std::string, std::string, std::less<>>;

Env minimal() {
  return {{"TABLE_NAME", "items"}, {"REDIS_URL", "redis://127.0.0.1:6379"}};
}

TEST(Config, DefaultsMatchTerraform) {
  auto config = load_config(fixed_env(minimal()));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->table_name, "items");
  EXPECT_EQ(config->cache_ttl, std::chrono::seconds(300));
  EXPECT_EQ(config->tombstone_ttl, std::chrono::seconds(7200));
  EXPECT_EQ(config->negative_ttl, std::chrono::seconds(30));
  EXPECT_TRUE(config->write_through);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_FALSE(config->redis_auth_secret_arn);
  auto options = config->cache_options();
  EXPECT_EQ(options.item_ttl, std::chrono::seconds(300));
  EXPECT_EQ(options.tombstone_ttl, std::chrono::seconds(7200));
}

TEST(Config, ReadsEveryVariable) {
  Env env = minimal();
  env["CACHE_TTL_SECONDS"] = "60";
  env["TOMBSTONE_TTL_SECONDS"] = "900";
  env["NEGATIVE_TTL_SECONDS"] = "5";
  env["CACHE_WRITE_THROUGH"] = "FALSE";
  env["LOG_LEVEL"] = "DEBUG";
  env["REDIS_AUTH_TOKEN"] = "tok";
  auto config = load_config(fixed_env(env));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->cache_ttl, std::chrono::seconds(60));
  EXPECT_EQ(config->tombstone_ttl, std::chrono::seconds(900));
  EXPECT_EQ(config->negative_ttl, std::chrono::seconds(5));
  EXPECT_FALSE(config->write_through);
  EXPECT_EQ(config->log_level, "debug");
  auto auth = resolve_redis_auth(*config, fixed_env(env));
  ASSERT_TRUE(auth);
  EXPECT_EQ(*auth, "tok");
}

TEST(Config, BadValuesNameTheVariable) {
  auto expect_error = [](Env env, std::string_view needle) {
    auto config = load_config(fixed_env(std::move(env)));
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().find(needle), std::string::npos) << config.error();
  };
  expect_error({}, "TABLE_NAME");
  expect_error({{"TABLE_NAME", "t"}}, "REDIS_URL");
  for (std::string bad : {"0", "-1", "abc", "10s", "99999999999"}) {
    Env env = minimal();
    env["CACHE_TTL_SECONDS"] = bad;
    expect_error(env, "CACHE_TTL_SECONDS=" + bad);
  }
  Env wt = minimal();
  wt["CACHE_WRITE_THROUGH"] = "maybe";
  expect_error(wt, "CACHE_WRITE_THROUGH");
  Env level = minimal();
  level["LOG_LEVEL"] = "loud";
  expect_error(level, "LOG_LEVEL");
}

TEST(Metrics, EmfLineDeclaresEveryMetric) {
  std::string line =
      emf_line("api", 1700000000000, {{"CacheHits", 3}, {"DynamoDbLatency", 1.5, "Milliseconds"}});
  auto v = json::parse(line);
  ASSERT_TRUE(v) << line;
  EXPECT_EQ(v->get_string("FunctionName"), "api");
  EXPECT_EQ(json::serialize(*v->find("CacheHits")), "3");
  EXPECT_EQ(json::serialize(*v->find("DynamoDbLatency")), "1.500");
  const json::Value& directive = v->find("_aws")->find("CloudWatchMetrics")->as_array()[0];
  EXPECT_EQ(directive.get_string("Namespace"), "streamcache");
  EXPECT_EQ(json::serialize(*directive.find("Dimensions")), R"([["FunctionName"]])");
  EXPECT_EQ(
      json::serialize(*directive.find("Metrics")),
      R"([{"Name":"CacheHits","Unit":"Count"},{"Name":"DynamoDbLatency","Unit":"Milliseconds"}])");
  EXPECT_EQ(v->find("_aws")->get_int("Timestamp"), 1700000000000);
}

TEST(Metrics, EmfLineEscapesTheFunctionNameAndWritesPlainNumbers) {
  std::string line = emf_line("odd \"name\"\n", -5, {{"A", -2}, {"B", 1e300}, {"C", 0.25}});
  auto v = json::parse(line);
  ASSERT_TRUE(v) << line;
  EXPECT_EQ(v->get_string("FunctionName"), "odd \"name\"\n");
  EXPECT_EQ(json::serialize(*v->find("A")), "-2");
  EXPECT_EQ(json::serialize(*v->find("C")), "0.250");
  EXPECT_EQ(v->find("_aws")->get_int("Timestamp"), -5);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
}

}  // namespace
}  // namespace streamcache::items
