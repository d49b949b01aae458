// The functions' environment readers (items::load_config, the AWS client settings, the Runtime
// API options): any values give a config or a clear error, never a crash. Input: one value per
// line for the variables below, in order; an empty line leaves that variable unset.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "aws/service_client.h"
#include "cache/redis_url.h"
#include "common/env.h"
#include "common/log.h"
#include "fuzz_check.h"
#include "items/config.h"
#include "lambda/runtime_api.h"

using namespace streamcache;

namespace {

constexpr std::array<std::string_view, 16> kNames{"TABLE_NAME",
                                                  "REDIS_URL",
                                                  "CACHE_TTL_SECONDS",
                                                  "TOMBSTONE_TTL_SECONDS",
                                                  "NEGATIVE_TTL_SECONDS",
                                                  "CACHE_WRITE_THROUGH",
                                                  "LOG_LEVEL",
                                                  "REDIS_AUTH_SECRET_ARN",
                                                  "REDIS_AUTH_TOKEN",
                                                  "AWS_REGION",
                                                  "AWS_ENDPOINT_URL",
                                                  "AWS_ENDPOINT_URL_DYNAMODB",
                                                  "AWS_MAX_ATTEMPTS",
                                                  "AWS_ACCESS_KEY_ID",
                                                  "AWS_SECRET_ACCESS_KEY",
                                                  "AWS_LAMBDA_RUNTIME_API"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // No shared config or credentials files: only the variables below count.
  std::map<std::string, std::string, std::less<>> values{
      {"HOME", "/nonexistent"},
      {"AWS_CONFIG_FILE", "/nonexistent/config"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"}};
  for (std::string_view name : kNames) {
    const auto end = input.find('\n');
    const std::string_view value = input.substr(0, end);
    if (!value.empty()) values.emplace(std::string(name), std::string(value));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  const EnvLookup env = fixed_env(values);

  if (auto config = items::load_config(env)) {
    FUZZ_CHECK(!config->table_name.empty() && !config->redis_url.empty(), config->table_name);
    (void)config->cache_options();
    (void)cache::parse_redis_url(config->redis_url);
    FUZZ_CHECK(logging::parse_level(config->log_level).has_value(), config->log_level);
  } else {
    FUZZ_CHECK(!config.error().empty(), "an empty error message");
  }
  (void)aws::load_client_config(env, aws::dynamodb_service());
  (void)lambda::detail::read_runtime_options(env);
  return 0;
}
