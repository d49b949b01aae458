#include "common/ca_bundle.h"

#include <array>

#include <unistd.h>

namespace streamcache {

std::optional<std::string> find_ca_bundle(const EnvLookup& env) {
  if (auto file = non_empty(env, "SSL_CERT_FILE")) return file;
  static constexpr std::array<const char*, 3> kKnownPaths = {
      "/etc/pki/tls/certs/ca-bundle.crt",    // Amazon Linux 2023 (Lambda provided.al2023)
      "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu
      "/etc/ssl/cert.pem",                   // Alpine, macOS
  };
  for (const char* path : kKnownPaths) {
    if (::access(path, R_OK) == 0) return std::string(path);
  }
  return std::nullopt;
}

}  // namespace streamcache
