// AWS Signature Version 4 (header signing and presigned URLs). Pure: no I/O, no clock reads; the
// caller passes time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "http/client.h"

namespace streamcache::aws {

namespace detail {
class Sha256;  // one reused OpenSSL digest context (sigv4.cpp)
}

struct SigningScope {
  std::string region;   // e.g. "us-east-1"
  std::string service;  // signing name, e.g. "dynamodb" (also for DynamoDB Streams)
};

struct SigningOptions {
  bool normalize_path = true;       // RFC 3986 dot-segment removal (all services but S3)
  bool double_encode_path = true;   // encode the already-encoded path again (all but S3)
  bool add_content_sha256 = false;  // add the x-amz-content-sha256 header (S3)
  bool omit_session_token = false;  // add X-Amz-Security-Token unsigned (services that want that)
};

// The intermediate values, exposed for tests and debugging.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

// Signs `request` in place: adds X-Amz-Date, X-Amz-Security-Token (with a session token),
// x-amz-content-sha256 (when asked) and Authorization, replacing those of an earlier signature
// (a retry re-signs). The request must carry a Host header (std::invalid_argument otherwise).
// User-Agent, X-Amzn-Trace-Id, Expect and Connection are left unsigned (proxies rewrite them).
// Derived signing keys are cached per day, so signing many requests costs one HMAC chain.
// Not thread-safe (the key cache): one Signer per client.
class Signer {
 public:
  Signer(Credentials credentials, SigningScope scope, SigningOptions options = {});

  SigningResult sign(http::Request& request, std::chrono::system_clock::time_point now);

  // Presigns `request` in place (query-string signing): appends X-Amz-Algorithm, -Credential,
  // -Date, -SignedHeaders, -Expires, -Security-Token (with a session token) and -Signature to its
  // target, after the query it has. The payload hash is the body's. The request must carry a Host
  // header and no earlier X-Amz-* signature; `expires` is 1 to 604800 seconds
  // (std::invalid_argument otherwise). omit_session_token adds the token unsigned.
  SigningResult presign(http::Request& request, std::chrono::system_clock::time_point now,
                        std::chrono::seconds expires);

 private:
  // The string to sign over result.canonical_request, and its signature (the key is cached).
  void finish(detail::Sha256& sha, SigningResult& result, std::string_view amz_date);
  // "yyyymmdd/region/service/aws4_request"
  void append_scope(std::string& out, std::string_view date) const;

  Credentials credentials_;
  SigningScope scope_;
  SigningOptions options_;
  std::string key_date_;     // yyyymmdd of the cached key
  std::string signing_key_;  // raw HMAC-SHA256 bytes
};

// Lowercase hex SHA-256 of `data` (the payload hash of a canonical request).
std::string sha256_hex(std::string_view data);

}  // namespace streamcache::aws
