// The Redis URL parser: never crashes; what it accepts prints back (scheme, address, db) to a URL
// that parses to the same endpoint; and no error message repeats the password it was given.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cache/redis_url.h"
#include "fuzz_check.h"

using namespace streamcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  (void)cache::percent_decode(url);
  auto endpoint = cache::parse_redis_url(url);
  if (!endpoint) {
    // The password is what follows the first ':' of the userinfo (before the last '@').
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return 0;
    const std::string_view rest = url.substr(scheme_end + 3);
    const auto at = rest.rfind('@');
    if (at == std::string_view::npos) return 0;
    const std::string_view userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return 0;
    const std::string_view password = userinfo.substr(colon + 1);
    if (password.size() >= 4) {
      FUZZ_CHECK(endpoint.error().message.find(password) == std::string::npos,
                 endpoint.error().message);
    }
    return 0;
  }
  const cache::RedisEndpoint& e = *endpoint;
  FUZZ_CHECK(!e.host.empty() && e.port != 0, url);
  const std::string printed =
      (e.tls ? "rediss://" : "redis://") + e.address() + "/" + std::to_string(e.db);
  auto again = cache::parse_redis_url(printed);
  FUZZ_CHECK(again.has_value(), printed);
  FUZZ_CHECK(
      again->host == e.host && again->port == e.port && again->tls == e.tls && again->db == e.db,
      printed);
  return 0;
}
