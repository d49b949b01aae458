// AWS credentials and region, resolved the way the AWS SDKs do for the sources Lambda and
// developers use: environment variables first, then the shared config/credentials files.
#pragma once

#include <string>

#include "common/env.h"
#include "common/expected.h"

namespace streamcache::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (what Lambda sets), then the
// profile AWS_PROFILE (default "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
// and AWS_CONFIG_FILE (~/.aws/config, section "profile NAME"). The error says what was tried.
Expected<Credentials, std::string> resolve_credentials(const EnvLookup& env);

// AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region` in the config file.
Expected<std::string, std::string> resolve_region(const EnvLookup& env);

}  // namespace streamcache::aws
