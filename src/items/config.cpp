#include "items/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "aws/service_client.h"

namespace streamcache::items {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Expected<std::chrono::seconds, std::string> seconds(const EnvLookup& env, std::string_view name,
                                                    std::chrono::seconds fallback) {
  auto text = non_empty(env, name);
  if (!text) return fallback;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < 1 || value > 31'536'000) {
    return unexpected(std::string(name) + "=" + *text +
                      " is not valid: use a whole number of seconds from 1 to 31536000");
  }
  return std::chrono::seconds(value);
}

Expected<bool, std::string> boolean(const EnvLookup& env, std::string_view name, bool fallback) {
  auto text = non_empty(env, name);
  if (!text) return fallback;
  const std::string v = lower(*text);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return unexpected(std::string(name) + "=" + *text + " is not valid: use true or false");
}

// ElastiCache names: replication group ids and serverless cache names are lowercase letters,
// digits and hyphens, start with a letter, at most 40 characters; the token signs the exact name.
bool is_cache_name(std::string_view name) {
  if (name.empty() || name.size() > 40 || name.front() < 'a' || name.front() > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// REDIS_AUTH and what each mode needs; variables of the other mode are errors, not ignored.
Expected<void, std::string> load_redis_auth(const EnvLookup& env, Config& config) {
  const auto mode = non_empty(env, "REDIS_AUTH");
  const auto user = non_empty(env, "REDIS_USER");
  const auto cache_name = non_empty(env, "REDIS_CACHE_NAME");
  const auto serverless = boolean(env, "REDIS_CACHE_SERVERLESS", false);
  if (!serverless) return unexpected(serverless.error());
  if (!mode || lower(*mode) == "password") {
    for (const auto* name : {"REDIS_USER", "REDIS_CACHE_NAME", "REDIS_CACHE_SERVERLESS"}) {
      if (non_empty(env, name)) {
        return unexpected(std::string(name) +
                          " is set but only used with REDIS_AUTH=iam: set REDIS_AUTH=iam or "
                          "unset it (a password user goes in REDIS_URL)");
      }
    }
    return {};
  }
  if (lower(*mode) != "iam") {
    return unexpected("REDIS_AUTH=" + *mode + " is not valid: use password or iam");
  }
  config.redis_auth = RedisAuth::iam;
  if (!user) {
    return unexpected(std::string(
        "REDIS_AUTH=iam needs REDIS_USER: the id of the ElastiCache user with IAM authentication"));
  }
  if (!cache_name) {
    return unexpected(
        std::string("REDIS_AUTH=iam needs REDIS_CACHE_NAME: the replication group id or serverless "
                    "cache name"));
  }
  if (!is_cache_name(*cache_name)) {
    return unexpected("REDIS_CACHE_NAME=" + *cache_name +
                      " is not valid: an ElastiCache name is 1 to 40 lowercase letters, digits "
                      "and hyphens, starting with a letter");
  }
  if (config.redis_auth_token || config.redis_auth_secret_arn) {
    return unexpected(std::string(
        "REDIS_AUTH=iam uses no password: unset REDIS_AUTH_TOKEN and REDIS_AUTH_SECRET_ARN"));
  }
  config.redis_user = *user;
  config.redis_cache_name = *cache_name;
  config.redis_cache_serverless = *serverless;
  return {};
}

}  // namespace

cache::ItemCacheOptions Config::cache_options() const {
  cache::ItemCacheOptions options;
  options.item_ttl = cache_ttl;
  options.tombstone_ttl = tombstone_ttl;
  options.negative_ttl = negative_ttl;
  return options;
}

Expected<Config, std::string> load_config(const EnvLookup& env) {
  Config config;
  auto table = non_empty(env, "TABLE_NAME");
  if (!table) return unexpected(std::string("TABLE_NAME is not set: set it to the DynamoDB table"));
  config.table_name = *table;
  auto url = non_empty(env, "REDIS_URL");
  if (!url) {
    return unexpected(
        std::string("REDIS_URL is not set: use redis://host:port or rediss://host:port"));
  }
  config.redis_url = *url;
  auto ttl = seconds(env, "CACHE_TTL_SECONDS", config.cache_ttl);
  if (!ttl) return unexpected(ttl.error());
  config.cache_ttl = *ttl;
  auto tombstone = seconds(env, "TOMBSTONE_TTL_SECONDS", config.tombstone_ttl);
  if (!tombstone) return unexpected(tombstone.error());
  config.tombstone_ttl = *tombstone;
  auto negative = seconds(env, "NEGATIVE_TTL_SECONDS", config.negative_ttl);
  if (!negative) return unexpected(negative.error());
  config.negative_ttl = *negative;
  if (auto text = non_empty(env, "CACHE_WRITE_THROUGH")) {
    std::string v = lower(*text);
    if (v == "true" || v == "1" || v == "yes" || v == "on") {
      config.write_through = true;
    } else if (v == "false" || v == "0" || v == "no" || v == "off") {
      config.write_through = false;
    } else {
      return unexpected("CACHE_WRITE_THROUGH=" + *text + " is not valid: use true or false");
    }
  }
  if (auto text = non_empty(env, "LOG_LEVEL")) {
    std::string v = lower(*text);
    if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error") {
      return unexpected("LOG_LEVEL=" + *text +
                        " is not valid: use trace, debug, info, warn or error");
    }
    config.log_level = v;
  }
  config.redis_auth_secret_arn = non_empty(env, "REDIS_AUTH_SECRET_ARN");
  config.redis_auth_token = non_empty(env, "REDIS_AUTH_TOKEN");
  if (auto auth = load_redis_auth(env, config); !auth) return unexpected(auth.error());
  return config;
}

Expected<std::optional<std::string>, std::string> resolve_redis_auth(const Config& config,
                                                                     const EnvLookup& env,
                                                                     Deadline deadline) {
  if (config.redis_auth_token) return config.redis_auth_token;
  if (!config.redis_auth_secret_arn) return std::optional<std::string>();
  const std::string& arn = *config.redis_auth_secret_arn;
  deadline = deadline.min(Deadline::after(kSecretReadLimit));
  auto service = aws::secrets_manager_service();
  auto client_config = aws::load_client_config(env, service);
  if (!client_config) return unexpected("Secrets Manager: " + client_config.error());
  client_config->http.connect_timeout = kSecretConnectTimeout;
  aws::ServiceClient client(service, std::move(*client_config));
  json::Value request(json::Object{});
  request.set("SecretId", arn);
  auto response = client.call("GetSecretValue", json::serialize(request), deadline);
  if (!response) {
    // The last attempt may end by its own timeout, cut to the deadline, a hair before the deadline.
    const std::string& code = response.error().code;
    if (code == "DeadlineExceeded" || code == "RequestTimeout") {
      return unexpected("reading REDIS_AUTH_SECRET_ARN " + arn +
                        " failed: Secrets Manager did not answer in time (at most " +
                        std::to_string(kSecretReadLimit.count()) +
                        " ms, less when the call has less left); check that the function reaches "
                        "Secrets Manager (VPC endpoint, security groups): " +
                        response.error().describe());
    }
    return unexpected("reading REDIS_AUTH_SECRET_ARN " + arn +
                      " failed: " + response.error().describe());
  }
  auto secret = response->get_string("SecretString");
  if (!secret) {
    return unexpected("secret " + arn +
                      " has no SecretString: store the AUTH token as a plain string");
  }
  return std::optional<std::string>(std::string(*secret));
}

}  // namespace streamcache::items
