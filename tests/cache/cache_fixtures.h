// Helpers for the cache tests: options for local servers, fake servers for fault tests, seeds,
// and a throwaway CA with a server certificate made by the openssl CLI.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "cache/redis_connection.h"
#include "support/tls_files.h"

namespace streamcache::cache::testing {

// Plain TCP to 127.0.0.1:port with test-sized timeouts and a short backoff.
ConnectionOptions local_options(int port);

// prefix + n, built by appending (GCC 12 warns falsely on "literal" + std::to_string at -O2).
std::string numbered(std::string_view prefix, long long n);

// The seed of a property test: STREAMCACHE_TEST_SEED when set, else a fresh random one.
std::uint64_t test_seed();

// A loopback socket that listens but never accepts: connects succeed (the kernel's backlog
// completes them) and then nothing is ever answered. For timeout tests.
class BlackHole {
 public:
  BlackHole();
  ~BlackHole();
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Accepts connections and answers the first bytes of each with `reply`, then keeps it open.
class FakeServer {
 public:
  explicit FakeServer(std::string reply);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  void serve();
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

using streamcache::testing::make_tls_files;
using streamcache::testing::TlsFiles;

}  // namespace streamcache::cache::testing
