// Option checks and argument validation: all fail before any network I/O.
#include <gtest/gtest.h>

#include "cache/item_cache.h"
#include "cache/redis_connection.h"

namespace streamcache::cache {
namespace {

using std::chrono::milliseconds;

ConnectionOptions unreachable() {
  ConnectionOptions options;
  options.endpoint.host = "127.0.0.1";
  options.endpoint.port = 1;
  return options;
}

TEST(ConnectionOptions, DefaultsAreDocumentedValues) {
  ConnectionOptions options;
  EXPECT_EQ(options.connect_timeout, milliseconds(1000));
  EXPECT_EQ(options.command_timeout, milliseconds(500));
  EXPECT_EQ(options.reconnect_backoff_min, milliseconds(50));
  EXPECT_EQ(options.reconnect_backoff_max, milliseconds(2000));
  EXPECT_EQ(options.max_idle, milliseconds(30000));
  EXPECT_TRUE(options.tls.verify_peer);
  EXPECT_EQ(options.endpoint.port, 6379);
}

TEST(ConnectionOptions, BadValuesFailAtCreate) {
  auto expect_invalid = [](ConnectionOptions options, const char* what) {
    auto connection = RedisConnection::create(std::move(options));
    ASSERT_FALSE(connection) << what;
    EXPECT_EQ(connection.error().code, ErrorCode::invalid_argument) << what;
  };
  auto options = unreachable();
  options.command_timeout = milliseconds(0);
  expect_invalid(options, "zero command timeout");
  options = unreachable();
  options.connect_timeout = milliseconds(-1);
  expect_invalid(options, "negative connect timeout");
  options = unreachable();
  options.endpoint.username = "someone";
  expect_invalid(options, "user without password");
  options = unreachable();
  options.endpoint.host.clear();
  expect_invalid(options, "no host");
  options = unreachable();
  options.endpoint.port = 0;
  expect_invalid(options, "port 0");
  options = unreachable();
  options.reconnect_backoff_max = milliseconds(1);
  expect_invalid(options, "max backoff below min");
  options = unreachable();
  options.max_idle = milliseconds(0);
  expect_invalid(options, "zero idle bound");
  options = unreachable();
  options.init_commands.push_back({});
  expect_invalid(options, "empty init command");
}

TEST(ConnectionOptions, MissingCaBundleIsATlsErrorAtCreate) {
  auto options = unreachable();
  options.endpoint.tls = true;
  options.tls.ca_file = "/nonexistent/ca.pem";
  auto connection = RedisConnection::create(options);
  ASSERT_FALSE(connection);
  EXPECT_EQ(connection.error().code, ErrorCode::tls);
  EXPECT_NE(connection.error().message.find("/nonexistent/ca.pem"), std::string::npos)
      << connection.error().message;
  options.tls.verify_peer = false;  // nothing to load when nothing is verified
  EXPECT_TRUE(RedisConnection::create(options));
}

TEST(ConnectionOptions, ManyTlsConnectionsCanBeCreated) {
  // Each one gets its own TLS context; none may exhaust OpenSSL's per-process BIO type indices.
  auto options = unreachable();
  options.endpoint.tls = true;
  options.tls.verify_peer = false;
  for (int i = 0; i < 300; ++i) {
    auto connection = RedisConnection::create(options);
    ASSERT_TRUE(connection) << i << ": " << describe(connection.error());
  }
}

TEST(ConnectionOptions, CreateDoesNotConnect) {
  auto connection = RedisConnection::create(unreachable());
  ASSERT_TRUE(connection);
  EXPECT_FALSE(connection->connected());
  EXPECT_EQ(connection->generation(), 0u);
}

TEST(ItemCacheOptions, BadTtlsAndJitterFailAtCreate) {
  for (auto options : {ItemCacheOptions{.item_ttl = milliseconds(0)},
                       ItemCacheOptions{.tombstone_ttl = milliseconds(-5)},
                       ItemCacheOptions{.negative_ttl = milliseconds(0)},
                       ItemCacheOptions{.ttl_jitter = 0.6}, ItemCacheOptions{.ttl_jitter = -0.1}}) {
    auto cache = ItemCache::create(unreachable(), options);
    ASSERT_FALSE(cache);
    EXPECT_EQ(cache.error().code, ErrorCode::invalid_argument);
  }
  EXPECT_TRUE(ItemCache::create(unreachable(), ItemCacheOptions{.ttl_jitter = 0.0}));
}

TEST(ItemCacheValidation, InvalidArgumentsFailWithoutTouchingTheNetwork) {
  auto cache = ItemCache::create(unreachable());
  ASSERT_TRUE(cache);
  auto version = cache->apply_if_newer("a", kMaxVersion + 1, "x");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(version.error().message.find("[0, 2^53)"), std::string::npos);
  auto tombstone = cache->tombstone_if_newer("a", Version{1} << 60);
  ASSERT_FALSE(tombstone);
  EXPECT_EQ(tombstone.error().code, ErrorCode::invalid_argument);
  auto id = cache->get("");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::invalid_argument);
  auto long_id = cache->fill_negative(std::string(kMaxIdBytes + 1, 'x'));
  ASSERT_FALSE(long_id);
  EXPECT_EQ(long_id.error().code, ErrorCode::invalid_argument);
  const std::vector<CacheOp> ops = {CacheOp::get(""),
                                    CacheOp::apply_if_newer("a", kMaxVersion + 1, "")};
  for (const auto& result : cache->execute(ops)) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  }
  EXPECT_TRUE(cache->execute(std::vector<CacheOp>{}).empty());
  EXPECT_EQ(cache->connection().generation(), 0u);  // never connected
  EXPECT_FALSE(cache->connection().connected());
}

// CacheOp holds views: the factories must refuse temporaries that would dangle.
template <class Id>
concept CanMakeGet = requires(Id&& id) {
  CacheOp::get(std::forward<Id>(id));
};
template <class Body>
concept CanMakeApply = requires(Body&& body) {
  CacheOp::apply_if_newer("id", 1, std::forward<Body>(body));
};
static_assert(CanMakeGet<const std::string&> && CanMakeGet<std::string_view> &&
              CanMakeGet<const char*>);
static_assert(!CanMakeGet<std::string>);
static_assert(CanMakeApply<std::string&> && !CanMakeApply<std::string>);

TEST(ErrorCode, NamesAndDescriptions) {
  EXPECT_EQ(to_string(ErrorCode::unavailable), "unavailable");
  EXPECT_EQ(to_string(ErrorCode::auth), "auth");
  EXPECT_EQ(describe(Error{ErrorCode::tls, "bad cert"}), "tls: bad cert");
  EXPECT_TRUE((Error{ErrorCode::unavailable, ""}).unavailable());
  EXPECT_FALSE((Error{ErrorCode::reply, ""}).unavailable());
}

}  // namespace
}  // namespace streamcache::cache
