// DNS that never answers, produced for real: run by in_dns_stall_namespace.sh, where the only
// nameserver is 127.0.0.1:53 and this test holds that port without ever answering. Lookups, the
// HTTP client and the Redis connection must all end at their deadlines.
#include <chrono>
#include <cstdlib>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache/redis_connection.h"
#include "common/dns.h"
#include "http/client.h"
#include "support/wait.h"

namespace streamcache {
namespace {

using namespace std::chrono_literals;

class StalledDns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("STREAMCACHE_DNS_STALL") == nullptr)
      GTEST_SKIP() << "needs tests/common/in_dns_stall_namespace.sh (user + network namespace)";
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(53);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)  // NOLINT: C API
        << "cannot hold 127.0.0.1:53";
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd_ = -1;  // receives the queries, answers none
};

TEST_F(StalledDns, LookupEndsAtItsDeadlineAndTheAbandonedLookupIsFreedLater) {
  dns::Resolver resolver;
  auto found = resolver.resolve("stalled.example", "80", Deadline::after(200ms));
  ASSERT_FALSE(found);
  EXPECT_TRUE(found.error().timed_out) << found.error().message;
  // glibc gives up after resolv.conf's timeout; the next call frees what it left behind.
  EXPECT_TRUE(testing::wait_until(
      [&] {
        (void)resolver.resolve("127.0.0.1", "80", Deadline::never());
        return resolver.abandoned() == 0;
      },
      20s, 20ms));
}

TEST_F(StalledDns, ResolverDestroyedDuringALookupWaitsForIt) {
  // A helper thread still writes into the abandoned request: freeing it now would be a use after
  // free (the sanitizer build reports it); the destructor waits for glibc instead.
  dns::Resolver resolver;
  auto found = resolver.resolve("stalled.example", "80", Deadline::after(100ms));
  EXPECT_FALSE(found);
}

TEST_F(StalledDns, HttpConnectEndsAtTheConnectTimeout) {
  http::ClientOptions options;
  options.connect_timeout = 300ms;
  http::Client client(*http::parse_url("http://stalled.example:8080"), options);
  auto response = client.send(http::Request{});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, http::ErrorKind::timeout) << response.error().message;
}

TEST_F(StalledDns, RedisConnectEndsAtTheConnectTimeout) {
  auto options = cache::connection_options_from_url("redis://stalled.example:6379");
  ASSERT_TRUE(options);
  options->connect_timeout = 300ms;
  auto connection = cache::RedisConnection::create(*options);
  ASSERT_TRUE(connection);
  auto reply = connection->command({"PING"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, cache::ErrorCode::unavailable);
  EXPECT_NE(reply.error().message.find("timed out"), std::string::npos) << reply.error().message;
}

}  // namespace
}  // namespace streamcache
