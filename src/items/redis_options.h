// The Redis connection both functions open: REDIS_URL with a password or ElastiCache IAM auth.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "cache/redis_connection.h"
#include "common/env.h"
#include "common/expected.h"
#include "items/config.h"

namespace streamcache::items {

// An IAM connection AUTHs again this long after its last AUTH: an hour before ElastiCache's 12 h
// limit, so a connection used at least hourly never reaches it.
inline constexpr std::chrono::hours kIamReauthAfter{11};

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// Password auth: the URL with REDIS_AUTH_TOKEN or the secret (read now, and again when Redis
// refuses the one held). IAM auth: every new connection and every re-AUTH gets a fresh token for
// REDIS_USER and REDIS_CACHE_NAME, signed with the function's credentials for AWS_REGION at
// `now()` (empty: the system clock); credentials and region are checked here, so a missing one
// is an init error. IAM needs rediss:// except on a loopback host (local tests).
Expected<cache::ConnectionOptions, std::string> redis_connection_options(const Config& config,
                                                                         const EnvLookup& env,
                                                                         WallClock now = {});

}  // namespace streamcache::items
