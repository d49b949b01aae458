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
