#include "items/redis_options.h"

#include "aws/credentials.h"
#include "aws/elasticache_iam.h"
#include "common/log.h"

namespace streamcache::items {
namespace {

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Expected<cache::ConnectionOptions, std::string> with_iam_auth(cache::ConnectionOptions options,
                                                              const Config& config,
                                                              const EnvLookup& env, WallClock now) {
  if (options.endpoint.password || !options.endpoint.username.empty()) {
    return unexpected(std::string(
        "REDIS_URL: REDIS_AUTH=iam takes no user or password in the URL: the user goes in "
        "REDIS_USER and the password is the IAM token"));
  }
  if (!options.endpoint.tls && !is_loopback(options.endpoint.host)) {
    return unexpected(std::string(
        "REDIS_URL: REDIS_AUTH=iam needs TLS (ElastiCache accepts IAM tokens only with in-transit "
        "encryption): use rediss://"));
  }
  auto region = aws::resolve_region(env);
  if (!region) return unexpected("REDIS_AUTH=iam needs the cache's region: " + region.error());
  if (auto credentials = aws::resolve_credentials(env); !credentials) {
    return unexpected("REDIS_AUTH=iam signs tokens with AWS credentials: " + credentials.error());
  }
  options.endpoint.username = config.redis_user;
  const aws::IamTokenRequest request{.cache_name = config.redis_cache_name,
                                     .user_id = config.redis_user,
                                     .region = std::move(*region),
                                     .serverless = config.redis_cache_serverless};
  if (!now) now = [] { return std::chrono::system_clock::now(); };
  // Credentials are read per token: a profile's keys may be renewed while the process runs.
  options.session_password =
      [request, env, now = std::move(now)](Deadline) -> Expected<std::string, std::string> {
    auto credentials = aws::resolve_credentials(env);
    if (!credentials) {
      logging::warn("redis IAM token: " + credentials.error());
      return unexpected("making the IAM token failed: " + credentials.error());
    }
    return aws::elasticache_iam_token(*credentials, request, now());
  };
  options.reauth_after = kIamReauthAfter;
  return options;
}

}  // namespace

Expected<cache::ConnectionOptions, std::string> redis_connection_options(const Config& config,
                                                                         const EnvLookup& env,
                                                                         WallClock now) {
  if (config.redis_auth == RedisAuth::iam) {
    auto connection = cache::connection_options_from_url(config.redis_url, std::nullopt, env);
    if (!connection) return unexpected("REDIS_URL: " + connection.error().message);
    return with_iam_auth(std::move(*connection), config, env, std::move(now));
  }
  auto auth = resolve_redis_auth(config, env);
  if (!auth) return unexpected(auth.error());
  auto connection = cache::connection_options_from_url(config.redis_url, *auth, env);
  if (!connection) return unexpected("REDIS_URL: " + connection.error().message);
  if (config.redis_auth_secret_arn) {
    // A rotated token: warm instances re-read the secret when Redis refuses the one they hold.
    connection->refresh_password = [config,
                                    env](Deadline budget) -> Expected<std::string, std::string> {
      auto secret = resolve_redis_auth(config, env, budget);
      if (!secret) {
        logging::warn("redis auth refresh failed: " + secret.error());
        return unexpected(std::move(secret).error());
      }
      return secret->value_or("");
    };
  }
  return std::move(*connection);
}

}  // namespace streamcache::items
