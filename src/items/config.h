// Settings both functions read from the environment once at init (Terraform sets them). A bad
// value is an init error whose message names the variable and what it accepts.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "cache/item_cache.h"
#include "common/env.h"
#include "common/expected.h"

namespace streamcache::items {

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

  [[nodiscard]] cache::ItemCacheOptions cache_options() const;
};

Expected<Config, std::string> load_config(const EnvLookup& env);

// The Redis AUTH token: REDIS_AUTH_TOKEN, else the secret's SecretString read once through
// Secrets Manager (GetSecretValue), else nullopt (the URL's password, if any, applies).
Expected<std::optional<std::string>, std::string> resolve_redis_auth(const Config& config,
                                                                     const EnvLookup& env);

}  // namespace streamcache::items
