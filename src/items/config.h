// Settings both functions read from the environment once at init (Terraform sets them). A bad
// value is an init error whose message names the variable and what it accepts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cache/item_cache.h"
#include "common/deadline.h"
#include "common/env.h"
#include "common/expected.h"

namespace streamcache::items {

// How the functions authenticate to Redis.
enum class RedisAuth : std::uint8_t {
  password,  // the URL's password, REDIS_AUTH_TOKEN or the REDIS_AUTH_SECRET_ARN secret (or none)
  iam,       // ElastiCache IAM: a SigV4 token made from the function's own credentials
};

struct Config {
  std::string table_name;                            // TABLE_NAME (required)
  std::string redis_url;                             // REDIS_URL (required)
  std::chrono::seconds cache_ttl{300};               // CACHE_TTL_SECONDS
  std::chrono::seconds tombstone_ttl{7200};          // TOMBSTONE_TTL_SECONDS
  std::chrono::seconds negative_ttl{30};             // NEGATIVE_TTL_SECONDS
  bool write_through = true;                         // CACHE_WRITE_THROUGH
  std::string log_level = "info";                    // LOG_LEVEL: trace|debug|info|warn|error
  std::optional<std::string> redis_auth_secret_arn;  // REDIS_AUTH_SECRET_ARN (plain-string secret)
  std::optional<std::string> redis_auth_token;       // REDIS_AUTH_TOKEN (local use)
  RedisAuth redis_auth = RedisAuth::password;        // REDIS_AUTH: password | iam
  std::string redis_user;                            // REDIS_USER (iam): the ElastiCache user id
  std::string redis_cache_name;  // REDIS_CACHE_NAME (iam): replication group or serverless cache
  bool redis_cache_serverless = false;  // REDIS_CACHE_SERVERLESS (iam): the cache is serverless

  [[nodiscard]] cache::ItemCacheOptions cache_options() const;
};

Expected<Config, std::string> load_config(const EnvLookup& env);

// The longest a Secrets Manager read of the Redis AUTH token may take, retries included: at init
// it must leave most of Lambda's 10 s init phase to the rest, so a stalled Secrets Manager is a
// clear init error, not an init timeout. During an invocation the call's budget cuts it further.
inline constexpr std::chrono::milliseconds kSecretReadLimit{3000};
// One attempt's DNS + TCP + TLS: an in-region (VPC endpoint) connect takes milliseconds.
inline constexpr std::chrono::milliseconds kSecretConnectTimeout{1000};

// The Redis AUTH token: REDIS_AUTH_TOKEN, else the secret's SecretString read through Secrets
// Manager (GetSecretValue) by `deadline` and within kSecretReadLimit, else nullopt (the URL's
// password, if any, applies).
Expected<std::optional<std::string>, std::string> resolve_redis_auth(
    const Config& config, const EnvLookup& env, Deadline deadline = Deadline::never());

}  // namespace streamcache::items
