#include "cache/redis_url.h"

#include <gtest/gtest.h>

#include "cache/redis_connection.h"

namespace streamcache::cache {
namespace {

RedisEndpoint parse_ok(std::string_view url) {
  auto endpoint = parse_redis_url(url);
  EXPECT_TRUE(endpoint) << url << ": " << (endpoint ? "" : endpoint.error().message);
  return endpoint ? *endpoint : RedisEndpoint{};
}

std::string parse_error(std::string_view url) {
  auto endpoint = parse_redis_url(url);
  EXPECT_FALSE(endpoint) << url << " should not parse";
  if (endpoint) return {};
  EXPECT_EQ(endpoint.error().code, ErrorCode::invalid_argument);
  return endpoint.error().message;
}

TEST(RedisUrl, HostOnlyGetsDefaults) {
  auto e = parse_ok("redis://localhost");
  EXPECT_EQ(e.host, "localhost");
  EXPECT_EQ(e.port, 6379);
  EXPECT_FALSE(e.tls);
  EXPECT_TRUE(e.username.empty());
  EXPECT_FALSE(e.password);
  EXPECT_EQ(e.db, 0);
  EXPECT_EQ(e.address(), "localhost:6379");
}

TEST(RedisUrl, FullFormWithUserPasswordPortAndDb) {
  auto e = parse_ok("rediss://app:s3cret@cache.example.com:6380/2");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.username, "app");
  EXPECT_EQ(e.password, "s3cret");
  EXPECT_EQ(e.host, "cache.example.com");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 2);
}

TEST(RedisUrl, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(parse_ok("REDISS://h:1").tls);
  EXPECT_FALSE(parse_ok("Redis://h:1").tls);
}

TEST(RedisUrl, PasswordOnlyUsesTheDefaultUser) {
  auto e = parse_ok("redis://:pw@h:7000");
  EXPECT_TRUE(e.username.empty());
  EXPECT_EQ(e.password, "pw");
}

TEST(RedisUrl, UserWithoutPasswordLeavesPasswordUnset) {
  auto e = parse_ok("redis://reader@h");
  EXPECT_EQ(e.username, "reader");
  EXPECT_FALSE(e.password);
  EXPECT_FALSE(parse_ok("redis://reader:@h").password);  // empty password = none
}

TEST(RedisUrl, PercentDecodesUserAndPassword) {
  auto e = parse_ok("redis://us%65r:p%40ss%3Aw%2Fo%25rd@h");
  EXPECT_EQ(e.username, "user");
  EXPECT_EQ(e.password, "p@ss:w/o%rd");
}

TEST(RedisUrl, UnencodedAtAndSlashInPasswordStillWork) {
  auto e = parse_ok("redis://u:p@ss/w@h:6390/1");
  EXPECT_EQ(e.password, "p@ss/w");
  EXPECT_EQ(e.host, "h");
  EXPECT_EQ(e.port, 6390);
  EXPECT_EQ(e.db, 1);
}

TEST(RedisUrl, Ipv6Literal) {
  auto e = parse_ok("redis://[::1]:6390");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 6390);
  EXPECT_EQ(e.address(), "[::1]:6390");
  EXPECT_EQ(parse_ok("redis://[fe80::1]").port, 6379);
}

TEST(RedisUrl, TrailingSlashMeansDbZero) {
  EXPECT_EQ(parse_ok("redis://h:1/").db, 0);
}

TEST(RedisUrl, RejectsUnknownScheme) {
  auto message = parse_error("http://h:6379");
  EXPECT_NE(message.find("unknown scheme 'http'"), std::string::npos) << message;
  EXPECT_NE(parse_error("h:6379").find("expected redis://"), std::string::npos);
}

TEST(RedisUrl, RejectsBadPorts) {
  for (const char* url : {"redis://h:0", "redis://h:65536", "redis://h:abc", "redis://h:-1",
                          "redis://h:+5", "redis://h:99999999999"}) {
    EXPECT_NE(parse_error(url).find("bad port"), std::string::npos) << url;
  }
  EXPECT_NE(parse_error("redis://h:").find("empty port"), std::string::npos);
}

TEST(RedisUrl, RejectsMissingHost) {
  for (const char* url : {"redis://", "redis://:6379", "redis://:pw@:6379", "redis:///0"}) {
    EXPECT_NE(parse_error(url).find("missing host"), std::string::npos) << url;
  }
}

TEST(RedisUrl, RejectsBadHostDbQueryAndEscapes) {
  EXPECT_NE(parse_error("redis://h st:1").find("bad host"), std::string::npos);
  EXPECT_NE(parse_error("redis://h:1/x").find("bad database"), std::string::npos);
  EXPECT_NE(parse_error("redis://h:1/-1").find("bad database"), std::string::npos);
  EXPECT_NE(parse_error("redis://h:1?ssl=true").find("query"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1:1").find("unterminated"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1]x").find("expected ':port'"), std::string::npos);
  EXPECT_NE(parse_error("redis://u:%zz@h").find("password"), std::string::npos);
  EXPECT_NE(parse_error("redis://%4@h").find("user name"), std::string::npos);
}

TEST(RedisUrl, ErrorsNeverRepeatThePassword) {
  for (const char* url : {"redis://u:topsecret@h:badport", "ftp://u:topsecret@h",
                          "redis://u:topsecret@h:1/x", "redis://u:topsecret@h?x",
                          // Found by fuzz_redis_url: the text before the first "://" was quoted
                          // as the scheme, credentials and all.
                          "u:topsecret@h//x://:topsecret@h", "redis:/:topsecret@h://x"}) {
    auto message = parse_error(url);
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  }
}

TEST(PercentDecode, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2f"), "a b/");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%g0"));
}

TEST(ConnectionOptionsFromUrl, AuthTokenReplacesThePassword) {
  auto options =
      connection_options_from_url("redis://app:old@h:1", std::string("token"), fixed_env({}));
  ASSERT_TRUE(options);
  EXPECT_EQ(options->endpoint.username, "app");
  EXPECT_EQ(options->endpoint.password, "token");
  auto kept = connection_options_from_url("redis://:old@h:1", std::string(), fixed_env({}));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->endpoint.password, "old");  // an empty token is no token
}

TEST(ConnectionOptionsFromUrl, UserNeedsAPasswordFromUrlOrToken) {
  auto missing = connection_options_from_url("redis://app@h:1", std::nullopt, fixed_env({}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(missing.error().message.find("user 'app' has no password"), std::string::npos);
  EXPECT_TRUE(connection_options_from_url("redis://app@h:1", std::string("t"), fixed_env({})));
}

TEST(ConnectionOptionsFromUrl, TlsUsesTheCaBundleFromTheEnvironment) {
  auto options = connection_options_from_url("rediss://h:1", std::nullopt,
                                             fixed_env({{"SSL_CERT_FILE", "/x/ca.pem"}}));
  ASSERT_TRUE(options);
  EXPECT_EQ(options->tls.ca_file, "/x/ca.pem");
  EXPECT_TRUE(options->tls.verify_peer);
  auto plain = connection_options_from_url("redis://h:1", std::nullopt,
                                           fixed_env({{"SSL_CERT_FILE", "/x/ca.pem"}}));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->tls.ca_file.empty());
}

}  // namespace
}  // namespace streamcache::cache
