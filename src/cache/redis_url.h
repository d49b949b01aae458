// Where the Redis server is and who we are to it, from the one URL users know:
//   redis://[[user][:password]@]host[:port][/db]    plain TCP
//   rediss://[[user][:password]@]host[:port][/db]   TLS
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/error.h"
#include "common/expected.h"

namespace streamcache::cache {

struct RedisEndpoint {
  std::string host;  // DNS name or IP literal (IPv6 without brackets)
  std::uint16_t port = 6379;
  bool tls = false;                     // rediss://
  std::string username;                 // empty: AUTH <password> (the default user)
  std::optional<std::string> password;  // nullopt: no AUTH
  int db = 0;                           // SELECT when not 0 (cluster mode has only 0)

  // "host:port" ("[::1]:6379" for IPv6), for messages: never holds credentials.
  [[nodiscard]] std::string address() const;
};

// Parses a redis:// or rediss:// URL. User and password are percent-decoded; the last '@' ends
// them, so a password holding '@' or '/' works even unencoded. Errors say which part is wrong and
// never repeat the password.
Expected<RedisEndpoint, Error> parse_redis_url(std::string_view url);

// Decodes %XX escapes; nullopt on a malformed escape. ('+' stays '+': this is not a query string.)
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace streamcache::cache
