#include "local/config.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace streamcache::local {
namespace {

EnvLookup no_env() {
  return fixed_env({});
}

Expected<StackConfig, std::string> parse(const std::string& text, EnvLookup env = no_env()) {
  return parse_stack_config(text, "/base", env);
}

TEST(StackConfig, DefaultsMatchTheTerraformModules) {
  auto c = parse(R"({"table":{"name":"items"},"cache":{"redis_url":"redis://127.0.0.1:6379"},
    "code":{"api":{"path":"dist/api.zip"},"stream_handler":{"path":"/abs/bootstrap"}}})");
  ASSERT_TRUE(c) << c.error();
  ASSERT_TRUE(c->api);
  EXPECT_EQ(c->api->name, "streamcache-api");
  EXPECT_EQ(c->api->code, "/base/dist/api.zip");
  EXPECT_EQ(c->api->timeout, std::chrono::seconds(10));
  EXPECT_EQ(c->api->memory_size, 256);
  ASSERT_TRUE(c->stream_handler);
  EXPECT_EQ(c->stream_handler->name, "streamcache-stream-handler");
  EXPECT_EQ(c->stream_handler->code, "/abs/bootstrap");
  EXPECT_EQ(c->stream_handler->timeout, std::chrono::seconds(30));
  EXPECT_EQ(c->mapping.batch_size, 100);
  EXPECT_EQ(c->mapping.maximum_retry_attempts, 100);
  EXPECT_EQ(c->mapping.maximum_record_age_seconds, 3600);
  EXPECT_TRUE(c->mapping.report_batch_item_failures);
  EXPECT_TRUE(c->mapping.bisect_batch_on_function_error);
  EXPECT_EQ(c->mapping.table, "items");
  EXPECT_EQ(c->http_api.host, "127.0.0.1");
  EXPECT_EQ(c->http_api.port, 8080);
  // Terraform's HTTP API has only $default: every request reaches the function (docs/api.md).
  EXPECT_EQ(c->http_api.routes, std::vector<std::string>{"$default"});
  EXPECT_EQ(c->local.trace_sampling_percent, 100);  // every local invocation is traced
  const auto& env = c->api->environment;
  EXPECT_EQ(env.at("TABLE_NAME"), "items");
  EXPECT_EQ(env.at("REDIS_URL"), "redis://127.0.0.1:6379");
  EXPECT_EQ(env.at("CACHE_TTL_SECONDS"), "300");
  EXPECT_EQ(env.at("TOMBSTONE_TTL_SECONDS"), "7200");
  EXPECT_EQ(env.at("NEGATIVE_TTL_SECONDS"), "30");
  EXPECT_EQ(env.at("CACHE_WRITE_THROUGH"), "true");
  EXPECT_EQ(env.at("LOG_LEVEL"), "info");
  EXPECT_EQ(c->stream_handler->environment, env);
}

TEST(StackConfig, SettingsEndpointAndExtraVariablesReachTheFunctions) {
  auto c = parse(R"({"table":{"name":"t"},"code":{"api":{"path":"b"}},
    "settings":{"cache_ttl_seconds":5,"cache_write_through":false,"log_level":"debug"},
    "environment_variables":{"EXTRA":"x"},
    "local":{"aws_endpoint_url":"http://127.0.0.1:4566","max_concurrency":3}})");
  ASSERT_TRUE(c) << c.error();
  const auto& env = c->api->environment;
  EXPECT_EQ(env.at("CACHE_TTL_SECONDS"), "5");
  EXPECT_EQ(env.at("CACHE_WRITE_THROUGH"), "false");
  EXPECT_EQ(env.at("LOG_LEVEL"), "debug");
  EXPECT_EQ(env.at("EXTRA"), "x");
  EXPECT_EQ(env.at("AWS_ENDPOINT_URL"), "http://127.0.0.1:4566");
  EXPECT_EQ(c->api->concurrency_limit(c->local.max_concurrency), 3);
  EXPECT_FALSE(c->stream_handler);
}

TEST(StackConfig, VariablesExpandWithDefaults) {
  auto c = parse(R"({"table":{"name":"${TABLE:-fallback}"},
    "http_api":{"listen":"${HOST:-127.0.0.1}:${PORT}"},
    "event_source_mapping":{"batch_size":"${BATCH:-7}","enabled":"${ON:-true}"}})",
                 fixed_env({{"PORT", "9999"}, {"TABLE", "mine"}}));
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->mapping.table, "mine");
  EXPECT_EQ(c->http_api.port, 9999);
  EXPECT_EQ(c->mapping.batch_size, 7);
  EXPECT_TRUE(c->mapping.enabled);
  EXPECT_EQ(*expand_variables("a$$b $x", no_env()), "a$b $x");
}

TEST(StackConfig, ErrorsNameThePathAndTheRule) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"({"event_source_mapping":{"batch_size":0}})",
       "event_source_mapping.batch_size: must be from 1 to 10000, got 0"},
      {R"({"event_source_mapping":{"batchsize":5}})",
       "event_source_mapping.batchsize: unknown setting (check the spelling; see docs/local.md)"},
      {R"({"api":{"timeout":"ten"}})", "api.timeout: expected a whole number, got \"ten\""},
      {R"({"http_api":{"listen":"8080"}})",
       "http_api.listen: expected host:port such as 127.0.0.1:8080, got \"8080\""},
      {R"({"http_api":{"routes":["GET items"]}})",
       "http_api.routes: \"GET items\" is not a route key such as \"GET /items/{id}\""},
      {R"({"http_api":{"routes":["GET /a","GET /a"]}})",
       "http_api.routes: \"GET /a\" is listed twice"},
      {R"({"settings":{"log_level":"loud"}})",
       "settings.log_level: must be trace, debug, info, warn or error, got \"loud\""},
      {R"({"table":{"name":"${MISSING}"}})",
       "table.name: ${MISSING} is not set (set it, or write ${NAME:-default})"},
      {R"({"event_source_mapping":{"starting_position":"AT_TIMESTAMP"}})",
       "event_source_mapping.starting_position: must be TRIM_HORIZON or LATEST, got "
       "\"AT_TIMESTAMP\""},
      {R"({"environment_variables":{"AWS_REGION":"x"}})",
       "environment_variables.AWS_REGION: reserved (set by Lambda or by a dedicated setting such "
       "as table.name)"},
      {R"({"code":{"stream_handler":{"path":"b"}}})",
       "table: table.name (or table.stream_arn) is required for event_source_mapping"},
      {R"({"local":[]})", "local: expected an object, got an array"},
      {R"({"local":{"trace_sampling_percent":101}})",
       "local.trace_sampling_percent: must be from 0 to 100, got 101"},
      {R"([1)", nullptr},
  };
  for (const auto& c : cases) {
    auto parsed = parse(c.json);
    ASSERT_FALSE(parsed) << c.json;
    if (c.message != nullptr) {
      EXPECT_EQ(parsed.error(), c.message);
    } else {
      EXPECT_TRUE(parsed.error().starts_with("not valid JSON")) << parsed.error();
    }
  }
}

TEST(StackConfig, TheMonitorGetsItsScheduleAndSettings) {
  auto none = parse(R"({"table":{"name":"items"},"code":{"monitor":{"path":""}}})");
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(none->monitor);  // no code: no timer
  auto c = parse(R"({"name":"s","table":{"name":"items"},
    "code":{"monitor":{"path":"monitor.zip"}},
    "monitor":{"schedule_seconds":15,"sample_size":7,"grace_seconds":0,"timeout":20}})");
  ASSERT_TRUE(c) << c.error();
  ASSERT_TRUE(c->monitor);
  EXPECT_EQ(c->monitor->name, "s-monitor");
  EXPECT_EQ(c->monitor_schedule, std::chrono::seconds(15));
  EXPECT_EQ(c->monitor->timeout, std::chrono::seconds(20));
  EXPECT_EQ(c->monitor->environment.at("MONITOR_SAMPLE_SIZE"), "7");
  EXPECT_EQ(c->monitor->environment.at("MONITOR_GRACE_SECONDS"), "0");
  EXPECT_EQ(c->monitor->environment.at("TABLE_NAME"), "items");
  auto bad = parse(R"({"table":{"name":"items"},"code":{"monitor":{"path":"m.zip"}},
    "monitor":{"schedule_seconds":0}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("monitor.schedule_seconds"), std::string::npos) << bad.error();
}

TEST(StackConfig, TheShippedStackJsonParses) {
  const char* root = std::getenv("STREAMCACHE_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "STREAMCACHE_SOURCE_DIR is not set";
  auto c = load_stack_config(std::string(root) + "/local/stack.json", no_env());
  ASSERT_TRUE(c) << c.error();
  ASSERT_TRUE(c->api);
  ASSERT_TRUE(c->stream_handler);
  EXPECT_EQ(c->local.aws_endpoint_url, "http://127.0.0.1:4566");
  EXPECT_EQ(c->api->environment.at("AWS_ENDPOINT_URL"), "http://127.0.0.1:4566");
  EXPECT_FALSE(c->mapping.on_failure_file.empty());
  EXPECT_EQ(c->http_api.routes, std::vector<std::string>{"$default"});
}

TEST(StackConfig, MissingFileSaysSo) {
  auto c = load_stack_config("/nonexistent/stack.json", no_env());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "/nonexistent/stack.json: cannot open (does it exist?)");
}

}  // namespace
}  // namespace streamcache::local
