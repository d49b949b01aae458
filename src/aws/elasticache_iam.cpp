#include "aws/elasticache_iam.h"

#include "aws/sigv4.h"

namespace streamcache::aws {
namespace {

// Percent-encodes all but RFC 3986 unreserved bytes (ElastiCache user ids are [a-z0-9-] anyway).
std::string query_encoded(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string elasticache_iam_token(const Credentials& credentials, const IamTokenRequest& request,
                                  std::chrono::system_clock::time_point now) {
  http::Request connect;
  connect.method = "GET";
  connect.target = "/?Action=connect&User=" + query_encoded(request.user_id);
  if (request.serverless) connect.target += "&ResourceType=ServerlessCache";
  connect.headers.push_back({"Host", request.cache_name});
  Signer signer(credentials, {request.region, "elasticache"});
  signer.presign(connect, now, kIamTokenLifetime);
  return request.cache_name + connect.target;
}

}  // namespace streamcache::aws
