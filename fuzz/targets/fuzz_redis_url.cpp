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
    // Text that is also the host, port or db (or a scheme, which has no ':' or '@') may be quoted
    // as that.
    const std::string_view scheme = url.substr(0, scheme_end);
    const bool elsewhere = (scheme.find_first_of(":@") == std::string_view::npos &&
                            scheme.find(password) != std::string_view::npos) ||
                           rest.substr(at + 1).find(password) != std::string_view::npos;
    if (password.size() < 4 || elsewhere) return 0;
    // Only the quoted parts of a message repeat the input ("bad host '...'").
    const std::string& message = endpoint.error().message;
    for (auto open = message.find('\''); open != std::string::npos;) {
      const auto close = message.find('\'', open + 1);
      if (close == std::string::npos) break;
      const std::string_view quoted = std::string_view(message).substr(open + 1, close - open - 1);
      FUZZ_CHECK(quoted.find(password) == std::string_view::npos, message);
      open = message.find('\'', close + 1);
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
