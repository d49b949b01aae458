#include "items/config.h"

#include <gtest/gtest.h>

#include "aws/elasticache_iam.h"
#include "items/metrics.h"
#include "items/redis_options.h"
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

Env iam_env() {
  Env env = minimal();
  env["REDIS_URL"] = "rediss://streamcache-dev.abc123.use1.cache.amazonaws.com:6379";
  env["REDIS_AUTH"] = "iam";
  env["REDIS_USER"] = "streamcache-app";
  env["REDIS_CACHE_NAME"] = "streamcache-dev";
  env["AWS_REGION"] = "eu-west-1";
  env["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
  env["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  env["AWS_SESSION_TOKEN"] = "session";
  return env;
}

TEST(Config, IamAuthReadsUserCacheAndKind) {
  Env env = iam_env();
  env["REDIS_CACHE_SERVERLESS"] = "true";
  auto config = load_config(fixed_env(env));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->redis_auth, RedisAuth::iam);
  EXPECT_EQ(config->redis_user, "streamcache-app");
  EXPECT_EQ(config->redis_cache_name, "streamcache-dev");
  EXPECT_TRUE(config->redis_cache_serverless);
  EXPECT_EQ(load_config(fixed_env(minimal()))->redis_auth, RedisAuth::password);
}

TEST(Config, IamAuthMisconfigurationsAreInitErrors) {
  auto expect_error = [](Env env, std::string_view needle) {
    auto config = load_config(fixed_env(std::move(env)));
    ASSERT_FALSE(config) << needle;
    EXPECT_NE(config.error().find(needle), std::string::npos) << config.error();
  };
  Env mode = iam_env();
  mode["REDIS_AUTH"] = "token";
  expect_error(mode, "REDIS_AUTH=token is not valid: use password or iam");
  Env no_user = iam_env();
  no_user.erase("REDIS_USER");
  expect_error(no_user, "REDIS_AUTH=iam needs REDIS_USER");
  Env no_name = iam_env();
  no_name.erase("REDIS_CACHE_NAME");
  expect_error(no_name, "REDIS_AUTH=iam needs REDIS_CACHE_NAME");
  for (std::string bad : {std::string("Upper"), std::string("1abc"), std::string("under_score"),
                          std::string(41, 'a')}) {
    Env name = iam_env();
    name["REDIS_CACHE_NAME"] = bad;
    expect_error(name, "REDIS_CACHE_NAME=" + bad + " is not valid");
  }
  Env token = iam_env();
  token["REDIS_AUTH_TOKEN"] = "x";
  expect_error(token, "REDIS_AUTH=iam uses no password");
  Env secret = iam_env();
  secret["REDIS_AUTH_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:1:secret:x";
  expect_error(secret, "REDIS_AUTH=iam uses no password");
  Env serverless = iam_env();
  serverless["REDIS_CACHE_SERVERLESS"] = "maybe";
  expect_error(serverless, "REDIS_CACHE_SERVERLESS=maybe is not valid");
  Env stray = minimal();
  stray["REDIS_USER"] = "app";
  expect_error(stray, "REDIS_USER is set but only used with REDIS_AUTH=iam");
}

TEST(RedisOptions, IamAuthMakesAFreshTokenPerConnection) {
  const Env env = iam_env();
  auto config = load_config(fixed_env(env));
  ASSERT_TRUE(config) << config.error();
  std::chrono::system_clock::time_point now =
      std::chrono::sys_days{std::chrono::year{2026} / 11 / 30} + std::chrono::hours{12};
  auto options = redis_connection_options(*config, fixed_env(env), [&now] { return now; });
  ASSERT_TRUE(options) << options.error();
  EXPECT_EQ(options->endpoint.username, "streamcache-app");
  EXPECT_FALSE(options->endpoint.password);
  EXPECT_FALSE(options->refresh_password);
  EXPECT_EQ(options->reauth_after, kIamReauthAfter);
  ASSERT_TRUE(options->session_password);
  const aws::IamTokenRequest request{.cache_name = "streamcache-dev",
                                     .user_id = "streamcache-app",
                                     .region = "eu-west-1",
                                     .serverless = false};
  const aws::Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                     "session"};
  auto first = options->session_password(Deadline::never());
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(*first, aws::elasticache_iam_token(credentials, request, now));
  now += std::chrono::minutes(20);
  auto later = options->session_password(Deadline::never());
  ASSERT_TRUE(later);
  EXPECT_EQ(*later, aws::elasticache_iam_token(credentials, request, now));
  EXPECT_NE(*later, *first);
}

TEST(RedisOptions, IamAuthNeedsTlsCredentialsAndRegion) {
  auto expect_error = [](Env env, std::string_view needle) {
    auto config = load_config(fixed_env(env));
    ASSERT_TRUE(config) << config.error();
    auto options = redis_connection_options(*config, fixed_env(env));
    ASSERT_FALSE(options) << needle;
    EXPECT_NE(options.error().find(needle), std::string::npos) << options.error();
  };
  Env plain = iam_env();
  plain["REDIS_URL"] = "redis://cache.internal:6379";
  expect_error(plain, "REDIS_AUTH=iam needs TLS");
  Env password = iam_env();
  password["REDIS_URL"] = "rediss://app:pw@cache.internal:6379";
  expect_error(password, "takes no user or password in the URL");
  Env no_region = iam_env();
  no_region.erase("AWS_REGION");
  no_region["AWS_CONFIG_FILE"] = "/nonexistent";
  expect_error(no_region, "REDIS_AUTH=iam needs the cache's region");
  Env no_keys = iam_env();
  no_keys.erase("AWS_ACCESS_KEY_ID");
  no_keys.erase("AWS_SECRET_ACCESS_KEY");
  no_keys["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent";
  no_keys["AWS_CONFIG_FILE"] = "/nonexistent";
  expect_error(no_keys, "REDIS_AUTH=iam signs tokens with AWS credentials");
  // A loopback server without TLS is allowed: local tests and the local stack.
  Env local = iam_env();
  local["REDIS_URL"] = "redis://127.0.0.1:6379";
  auto config = load_config(fixed_env(local));
  ASSERT_TRUE(config);
  EXPECT_TRUE(redis_connection_options(*config, fixed_env(local)));
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
