// A throwaway CA and server certificate made with the openssl CLI, for TLS tests (Redis, HTTPS).
#pragma once

#include <filesystem>

namespace streamcache::testing {

struct TlsFiles {
  std::filesystem::path ca_cert;      // the CA that signed server_cert
  std::filesystem::path server_cert;  // CN=localhost, SAN DNS:localhost, IP:127.0.0.1
  std::filesystem::path server_key;
  std::filesystem::path other_ca_cert;  // a CA that signed nothing we serve
};

// Makes the files in `dir` with the openssl CLI (EC P-256 keys, valid for two days).
TlsFiles make_tls_files(const std::filesystem::path& dir);

}  // namespace streamcache::testing
