// ElastiCache IAM authentication end to end against a real redis-server: an ACL user whose only
// password is the token the client must compute (fixed credentials, time, user and cache name),
// with the default user off so nothing works without that exact AUTH.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "aws/elasticache_iam.h"
#include "cache/item_cache.h"
#include "items/config.h"
#include "items/redis_options.h"
#include "support/servers.h"

namespace streamcache::items {
namespace {

using Env = std::map<std::string, std::string, std::less<>>;
using streamcache::testing::RedisServer;

const aws::Credentials kCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    "session-token"};

std::chrono::system_clock::time_point fixed_time() {
  return std::chrono::sys_days{std::chrono::year{2026} / 11 / 30} + std::chrono::hours{12};
}

Env iam_env(const RedisServer& server) {
  return {{"TABLE_NAME", "items"},
          {"REDIS_URL", server.url()},
          {"REDIS_AUTH", "iam"},
          {"REDIS_USER", "streamcache-app"},
          {"REDIS_CACHE_NAME", "streamcache-dev"},
          {"REDIS_CACHE_SERVERLESS", "true"},
          {"AWS_REGION", "eu-west-1"},
          {"AWS_ACCESS_KEY_ID", kCredentials.access_key_id},
          {"AWS_SECRET_ACCESS_KEY", kCredentials.secret_access_key},
          {"AWS_SESSION_TOKEN", kCredentials.session_token}};
}

// The item cache exactly as create_clients builds it, with the token clock fixed at `at`.
cache::ItemCache iam_cache(const Env& env, std::chrono::system_clock::time_point at) {
  auto config = load_config(fixed_env(env));
  if (!config) throw std::runtime_error(config.error());
  auto options = redis_connection_options(*config, fixed_env(env), [at] { return at; });
  if (!options) throw std::runtime_error(options.error());
  auto cache = cache::ItemCache::create(std::move(*options), config->cache_options());
  if (!cache) throw std::runtime_error(cache.error().message);
  return std::move(*cache);
}

// ElastiCache's side of IAM auth, as redis-server ACLs: the user's password is the token signed
// for the serverless cache at fixed_time(), and the default user is off.
void admit_only_the_iam_user(RedisServer& server) {
  const std::string token = aws::elasticache_iam_token(kCredentials,
                                                       {.cache_name = "streamcache-dev",
                                                        .user_id = "streamcache-app",
                                                        .region = "eu-west-1",
                                                        .serverless = true},
                                                       fixed_time());
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "streamcache-app", "on", ">" + token, "~*", "+@all"}),
            "OK");
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "default", "off"}), "OK");
}

TEST(IamAuth, TheClientAuthenticatesWithTheTokenItComputes) {
  RedisServer server;
  ASSERT_NO_FATAL_FAILURE(admit_only_the_iam_user(server));

  auto cache = iam_cache(iam_env(server), fixed_time());
  auto applied = cache.apply_if_newer("a", 7, R"({"id":"a"})");
  ASSERT_TRUE(applied) << describe(applied.error());
  auto read = cache.get("a");
  ASSERT_TRUE(read) << describe(read.error());
  EXPECT_EQ(read->body, R"({"id":"a"})");
  auto who = cache.connection().command({"ACL", "WHOAMI"});
  ASSERT_TRUE(who) << describe(who.error());
  EXPECT_EQ(who->str, "streamcache-app");
}

TEST(IamAuth, AWrongTokenIsRefusedWithAClearError) {
  RedisServer server;
  ASSERT_NO_FATAL_FAILURE(admit_only_the_iam_user(server));

  // Signed a second later, for a replication group instead of a serverless cache: other tokens.
  Env not_serverless = iam_env(server);
  not_serverless["REDIS_CACHE_SERVERLESS"] = "false";
  for (auto [env, at] : {std::pair{iam_env(server), fixed_time() + std::chrono::seconds(1)},
                         std::pair{not_serverless, fixed_time()}}) {
    auto cache = iam_cache(env, at);
    auto read = cache.get("a");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, cache::ErrorCode::auth);
    const std::string& message = read.error().message;
    EXPECT_NE(message.find("authentication as user 'streamcache-app' failed: WRONGPASS"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("elasticache:Connect"), std::string::npos) << message;
    EXPECT_EQ(message.find("X-Amz-Signature"), std::string::npos) << "leaks the token";
  }
}

}  // namespace
}  // namespace streamcache::items
