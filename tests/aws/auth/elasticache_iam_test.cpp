// ElastiCache IAM tokens at a fixed time with fixed credentials. The signatures were computed
// independently with botocore's SigV4QueryAuth (service elasticache, expires 900) over the same
// request: equal signatures mean equal canonical requests.
#include "aws/elasticache_iam.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace streamcache::aws {
namespace {

using namespace std::chrono;

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kSessionToken = "FQoGZXIvYXdzEJr//////////wEaDExAMPLE+token/x=";

system_clock::time_point fixed_time() {
  return sys_days{year{2026} / November / 30} + hours{12};
}

TEST(ElastiCacheIamToken, ReplicationGroupWithLongTermKeys) {
  const std::string token = elasticache_iam_token({kKeyId, kSecret, ""},
                                                  {.cache_name = "streamcache-dev",
                                                   .user_id = "streamcache-app",
                                                   .region = "eu-west-1",
                                                   .serverless = false},
                                                  fixed_time());
  EXPECT_EQ(token,
            "streamcache-dev/?Action=connect&User=streamcache-app"
            "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIDEXAMPLE%2F20261130%2Feu-west-1%2Felasticache%2Faws4_request"
            "&X-Amz-Date=20261130T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=900"
            "&X-Amz-Signature=42d31f7ebc6777c9c0f7e94c726b22ef678d2a969fbb89acc789a63b2786bc4b");
}

TEST(ElastiCacheIamToken, ServerlessCacheWithSessionToken) {
  const std::string token = elasticache_iam_token({kKeyId, kSecret, kSessionToken},
                                                  {.cache_name = "streamcache-dev",
                                                   .user_id = "streamcache-app",
                                                   .region = "eu-west-1",
                                                   .serverless = true},
                                                  fixed_time());
  EXPECT_EQ(token,
            "streamcache-dev/?Action=connect&User=streamcache-app&ResourceType=ServerlessCache"
            "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIDEXAMPLE%2F20261130%2Feu-west-1%2Felasticache%2Faws4_request"
            "&X-Amz-Date=20261130T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=900"
            "&X-Amz-Security-Token=FQoGZXIvYXdzEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaDExAMPLE%2Btoken"
            "%2Fx%3D"
            "&X-Amz-Signature=da309bd05027e1aceb7a20e9d62f282815470b50ae8439d46b424b1e7aa25f0d");
}

TEST(ElastiCacheIamToken, ChangesWithTimeAndUser) {
  const IamTokenRequest request{.cache_name = "c", .user_id = "u", .region = "us-east-1"};
  const Credentials credentials{kKeyId, kSecret, ""};
  const std::string base = elasticache_iam_token(credentials, request, fixed_time());
  EXPECT_NE(base, elasticache_iam_token(credentials, request, fixed_time() + seconds(1)));
  const IamTokenRequest other{.cache_name = "c", .user_id = "v", .region = "us-east-1"};
  EXPECT_NE(base, elasticache_iam_token(credentials, other, fixed_time()));
  EXPECT_EQ(base.rfind("c/?Action=connect&User=u&", 0), 0u) << base;
}

}  // namespace
}  // namespace streamcache::aws
