// The cache layer's one error model: typed, so callers can degrade to DynamoDB, retry later, or
// report a stream record as a batch item failure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamcache::cache {

enum class ErrorCode : std::uint8_t {
  invalid_argument,  // bad id, version, URL or option: a caller bug, retrying cannot help
  unavailable,       // no answer: connect refused or timed out, reset, closed, command timeout,
                     // reconnect backoff, the caller's budget spent, or a server that cannot
                     // serve now (LOADING, READONLY, MASTERDOWN, BUSY, TRYAGAIN, CLUSTERDOWN,
                     // OOM, NOREPLICAS, MISCONF)
  auth,              // AUTH rejected (wrong password, unknown user) or required (NOAUTH, NOPERM)
  tls,               // TLS setup or handshake failed: untrusted or mismatched certificate, CA file
  protocol,          // the server's bytes are not RESP, or not the reply the command expects
  reply,             // the server refused this command for good (WRONGTYPE, a script error)
};

struct Error {
  ErrorCode code = ErrorCode::unavailable;
  std::string message;  // says what failed and, when it helps, what to do; never holds secrets

  // Transient: the server may answer a later call (the connection reconnects with backoff).
  [[nodiscard]] bool unavailable() const { return code == ErrorCode::unavailable; }
  // Will not heal by waiting: a key of another type, a permission, a password, a certificate,
  // a script or a server that is not Redis needs someone to fix it. Retry only `unavailable`.
  [[nodiscard]] bool permanent() const { return code != ErrorCode::unavailable; }
};

std::string_view to_string(ErrorCode code);

// "<code>: <message>", for logs.
std::string describe(const Error& error);

}  // namespace streamcache::cache
