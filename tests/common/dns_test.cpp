#include "common/dns.h"

#include <chrono>

#include <gtest/gtest.h>

namespace streamcache::dns {
namespace {

using namespace std::chrono_literals;

TEST(Resolver, AddressLiteralsNeedNoTime) {
  Resolver resolver;
  for (const char* host : {"127.0.0.1", "::1"}) {
    auto found = resolver.resolve(host, "8080", Deadline::after(0ms));  // no time, no lookup
    ASSERT_TRUE(found) << host << ": " << found.error().message;
    ASSERT_NE(found->get(), nullptr);
    EXPECT_EQ(found->get()->ai_socktype, SOCK_STREAM);
  }
}

TEST(Resolver, ANameWithNoTimeLeftTimesOutWithoutALookup) {
  Resolver resolver;
  auto found = resolver.resolve("localhost", "80", Deadline::after(0ms));
  ASSERT_FALSE(found);
  EXPECT_TRUE(found.error().timed_out);
  EXPECT_EQ(resolver.abandoned(), 0U);
}

TEST(Resolver, ResolvesANameFromTheHostsFile) {
  Resolver resolver;
  auto found = resolver.resolve("localhost", "6379", Deadline::after(30s));
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_NE(found->get(), nullptr);
}

TEST(Resolver, AnInvalidNameIsAnErrorNotATimeout) {
  Resolver resolver;
  // Empty labels are refused by the resolver itself, whatever the network.
  auto found = resolver.resolve("bad..name.invalid", "80", Deadline::after(30s));
  ASSERT_FALSE(found);
  EXPECT_FALSE(found.error().timed_out) << found.error().message;
}

}  // namespace
}  // namespace streamcache::dns
