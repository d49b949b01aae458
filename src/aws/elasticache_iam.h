// ElastiCache IAM authentication tokens: the password an IAM-enabled ElastiCache user sends in
// AUTH. Pure: no I/O, no clock reads; the caller passes credentials and time.
#pragma once

#include <chrono>
#include <string>

#include "aws/credentials.h"

namespace streamcache::aws {

// How long a token is accepted for AUTH (the ElastiCache limit); a connection authenticated with
// it lives on, up to kIamConnectionLifetime.
inline constexpr std::chrono::seconds kIamTokenLifetime{900};
// ElastiCache closes an IAM-authenticated connection this long after its last AUTH.
inline constexpr std::chrono::hours kIamConnectionLifetime{12};

struct IamTokenRequest {
  std::string cache_name;   // replication group id or serverless cache name (lowercase)
  std::string user_id;      // the ElastiCache user; for IAM users its id equals its name
  std::string region;       // the cache's region
  bool serverless = false;  // adds ResourceType=ServerlessCache
};

// The SigV4-presigned `GET http://<cache_name>/?Action=connect&User=<user_id>` (service
// "elasticache", X-Amz-Expires=900, the session token signed in), without the "http://" scheme.
std::string elasticache_iam_token(const Credentials& credentials, const IamTokenRequest& request,
                                  std::chrono::system_clock::time_point now);

}  // namespace streamcache::aws
