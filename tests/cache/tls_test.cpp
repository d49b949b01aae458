// The cache over TLS with AUTH, against redis-server --tls-port with a throwaway CA made by the
// openssl CLI: the operations, and the failures that must be clear (wrong password, untrusted
// certificate, wrong name, TLS/plain mix-ups, a server gone mid-use).
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cache/item_cache.h"
#include "cache_fixtures.h"
#include "support/process.h"
#include "support/servers.h"
#include "support/wait.h"

namespace streamcache::cache {
namespace {

using Status = GetResult::Status;
using streamcache::testing::RedisServer;
using streamcache::testing::wait_until;

constexpr const char* kPassword = "tls-s3cret";

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = streamcache::testing::make_log_dir("cache-tls");
    files_ = testing::make_tls_files(dir_);
    // Both servers live for the whole suite: RedisServers of one process share a log directory
    // that the first one destroyed removes, which would break the other's restart.
    plain_server_ = std::make_unique<RedisServer>();
    server_ = std::make_unique<RedisServer>(RedisServer::Options{
        .extra_args = {"--tls-cert-file", files_.server_cert.string(), "--tls-key-file",
                       files_.server_key.string(), "--tls-ca-cert-file", files_.ca_cert.string(),
                       "--tls-auth-clients", "no", "--requirepass", kPassword},
        .plain_port = false,
        .tls_port = true});
  }
  static void TearDownTestSuite() {
    server_.reset();
    plain_server_.reset();
    if (streamcache::testing::all_tests_passed()) std::filesystem::remove_all(dir_);
  }

  // rediss:// with the password, trusting the test CA.
  static ConnectionOptions tls_options(const std::string& host = "127.0.0.1") {
    auto options = connection_options_from_url("rediss://:" + std::string(kPassword) + "@" + host +
                                                   ":" + std::to_string(server_->tls_port()),
                                               std::nullopt);
    if (!options) throw std::runtime_error(describe(options.error()));
    options->tls.ca_file = files_.ca_cert.string();
    options->connect_timeout = std::chrono::seconds(5);
    options->command_timeout = std::chrono::seconds(5);
    options->reconnect_backoff_min = std::chrono::milliseconds(5);
    options->reconnect_backoff_max = std::chrono::milliseconds(40);
    return *options;
  }

  static ItemCache cache_for(ConnectionOptions options) {
    auto cache = ItemCache::create(std::move(options));
    if (!cache) throw std::runtime_error(describe(cache.error()));
    return std::move(*cache);
  }

  static inline std::filesystem::path dir_;
  static inline testing::TlsFiles files_;
  static inline std::unique_ptr<RedisServer> server_;
  static inline std::unique_ptr<RedisServer> plain_server_;
};

TEST_F(TlsTest, EveryOperationOverTlsWithAuth) {
  auto cache = cache_for(tls_options());
  ASSERT_TRUE(cache.connection().command({"FLUSHALL"}));
  EXPECT_EQ(cache.get("a")->status, Status::miss);
  EXPECT_EQ(cache.apply_if_newer("a", 5, "five").value(), WriteResult::applied);
  EXPECT_EQ(cache.apply_if_newer("a", 3, "three").value(), WriteResult::stale);
  auto hit = cache.get("a");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->status, Status::hit);
  EXPECT_EQ(hit->version, 5u);
  EXPECT_EQ(hit->body, "five");
  EXPECT_EQ(cache.tombstone_if_newer("a", 6).value(), WriteResult::applied);
  EXPECT_EQ(cache.apply_if_newer("a", 5, "late").value(), WriteResult::stale);
  EXPECT_EQ(cache.get("a")->status, Status::not_found);
  EXPECT_EQ(cache.fill_negative("b").value(), WriteResult::applied);
  EXPECT_EQ(cache.apply_if_newer("b", 1, "one").value(), WriteResult::applied);

  std::vector<std::string> ids;
  for (int i = 0; i < 500; ++i)
    ids.push_back(testing::numbered("batch-", i));
  const std::string body(300, 'x');
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));
  for (int round = 0; round < 2; ++round) {
    for (const auto& result : cache.execute(ops)) {
      ASSERT_TRUE(result) << describe(result.error());
      EXPECT_EQ(result->write, round == 0 ? WriteResult::applied : WriteResult::stale);
    }
  }
  for (const auto& id : {std::string("a"), std::string("b"), ids.front()}) {
    auto ttl = cache.connection().command({"PTTL", item_key(id)});
    ASSERT_TRUE(ttl);
    EXPECT_GT(ttl->integer, 0) << id;
  }
  std::string big(2 << 20, 'y');
  EXPECT_EQ(cache.apply_if_newer("big", 1, big).value(), WriteResult::applied);
  EXPECT_EQ(cache.get("big")->body, big);
}

// The halves of an exchange over TLS: two connections' pipelines, each about 16 MB up and as
// much down (SET then GET of large values, interleaved), under one poll(): TLS writes a record at
// a time while the replies are read, and decrypted bytes TLS holds back are read before polling.
TEST_F(TlsTest, LargePipelinesOnSeveralConnectionsAtOnce) {
  std::vector<RedisConnection> connections;
  for (int c = 0; c < 2; ++c) {
    auto options = tls_options();
    options.command_timeout = std::chrono::minutes(2);  // a loaded CI machine moves 64 MB slowly
    auto connection = RedisConnection::create(options);
    ASSERT_TRUE(connection) << describe(connection.error());
    connections.push_back(std::move(*connection));
  }
  constexpr int kValues = 1000;
  std::vector<std::string> values;
  for (int i = 0; i < kValues; ++i) {
    std::string value(16 * 1024, static_cast<char>('a' + i % 26));
    value.replace(0, 12, testing::numbered("value-", i));
    values.push_back(std::move(value));
  }
  std::vector<CommandBuffer> commands(connections.size());
  std::vector<std::vector<Reply>> replies(connections.size());
  std::vector<RedisConnection::PipelineJob> jobs;
  for (std::size_t c = 0; c < connections.size(); ++c) {
    for (int i = 0; i < kValues; ++i) {
      const std::string key = testing::numbered(c == 0 ? "tls-a-" : "tls-b-", i);
      commands[c].add({"SET", key, values[i]});
      commands[c].add({"GET", key});
    }
    jobs.push_back({&connections[c], &commands[c], &replies[c], {}});
  }
  RedisConnection::pipeline_each(jobs, Replay::idempotent);
  for (std::size_t c = 0; c < connections.size(); ++c) {
    ASSERT_TRUE(jobs[c].result) << describe(jobs[c].result.error());
    ASSERT_EQ(replies[c].size(), 2u * kValues);
    for (int i = 0; i < kValues; ++i) {
      EXPECT_EQ(replies[c][2 * i].str, "OK");
      EXPECT_TRUE(replies[c][2 * i + 1].str == values[i]) << c << " " << i;
    }
  }
}

// The open pipeline over TLS: the buffer grows (and moves) between partial SSL_writes.
TEST_F(TlsTest, OpenPipelineWrittenWhileItGrows) {
  auto options = tls_options();
  options.command_timeout = std::chrono::minutes(2);  // a loaded CI machine moves 16 MB slowly
  auto connection = RedisConnection::create(options);
  ASSERT_TRUE(connection) << describe(connection.error());
  CommandBuffer commands;
  std::vector<Reply> replies;
  connection->open_pipeline(commands, replies);
  constexpr int kValues = 1000;
  for (int i = 0; i < kValues; ++i) {
    std::string value(16 * 1024, static_cast<char>('a' + i % 26));
    commands.add({"SET", testing::numbered("tls-open-", i), value});
    connection->send_available();
  }
  commands.add({"GET", "tls-open-999"});
  auto done = connection->finish_pipeline(Replay::idempotent);
  ASSERT_TRUE(done) << describe(done.error());
  ASSERT_EQ(replies.size(), kValues + 1u);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies.back().str, std::string(16 * 1024, static_cast<char>('a' + 999 % 26)));
}

TEST_F(TlsTest, VerifiesADnsNameToo) {
  auto cache = cache_for(tls_options("localhost"));
  auto read = cache.get("x");
  EXPECT_TRUE(read) << describe(read.error());
}

TEST_F(TlsTest, WrongPasswordIsAnAuthError) {
  auto options = tls_options();
  options.endpoint.password = "not-the-password";
  auto read = cache_for(options).get("a");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::auth) << describe(read.error());
  EXPECT_NE(read.error().message.find("WRONGPASS"), std::string::npos) << read.error().message;
}

TEST_F(TlsTest, CertificateFromAnotherCaIsRejected) {
  auto options = tls_options();
  options.tls.ca_file = files_.other_ca_cert.string();
  auto read = cache_for(options).get("a");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::tls) << describe(read.error());
  EXPECT_NE(read.error().message.find("server certificate rejected"), std::string::npos)
      << read.error().message;
  // The reason OpenSSL gives depends on whether the server sends its CA along with its own.
  const bool reason_named =
      read.error().message.find("unable to get local issuer certificate") != std::string::npos ||
      read.error().message.find("self-signed certificate in certificate chain") !=
          std::string::npos;
  EXPECT_TRUE(reason_named) << read.error().message;
}

TEST_F(TlsTest, CertificateForAnotherNameIsRejected) {
  auto options = tls_options();
  options.tls.server_name = "cache.example.com";
  auto read = cache_for(options).get("a");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::tls) << describe(read.error());
  EXPECT_NE(read.error().message.find("hostname mismatch"), std::string::npos)
      << read.error().message;
}

TEST_F(TlsTest, InsecureModeAcceptsAnUntrustedCertificate) {
  auto options = tls_options();
  options.tls.ca_file = files_.other_ca_cert.string();
  options.tls.verify_peer = false;
  auto read = cache_for(options).get("a");
  EXPECT_TRUE(read) << describe(read.error());
}

TEST_F(TlsTest, PlainTcpToTheTlsPortFailsClearly) {
  auto options = tls_options();
  options.endpoint.tls = false;
  auto read = cache_for(options).get("a");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::unavailable) << describe(read.error());
  EXPECT_NE(read.error().message.find("rediss://"), std::string::npos) << read.error().message;
}

TEST_F(TlsTest, TlsToAPlainPortFailsClearly) {
  auto options = tls_options();
  options.endpoint.port = static_cast<std::uint16_t>(plain_server_->port());
  options.connect_timeout = std::chrono::milliseconds(300);  // redis waits for a newline
  auto read = cache_for(options).get("a");
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("is TLS enabled on this port?"), std::string::npos)
      << describe(read.error());
}

TEST_F(TlsTest, HandshakeWithAServerThatNeverAnswersTimesOut) {
  testing::BlackHole hole;
  auto options = tls_options();
  options.endpoint.port = static_cast<std::uint16_t>(hole.port());
  options.connect_timeout = std::chrono::milliseconds(300);
  auto read = cache_for(options).get("a");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::unavailable);
  EXPECT_NE(read.error().message.find("TLS handshake: timed out after 300 ms"), std::string::npos)
      << read.error().message;
}

// Last: it restarts the shared server.
TEST_F(TlsTest, ZzServerKilledMidUseThenRestartedOverTls) {
  auto cache = cache_for(tls_options());
  ASSERT_TRUE(cache.apply_if_newer("k", 1, "x"));
  server_->kill();
  const std::string body(64 * 1024, 'b');
  std::vector<std::string> ids;
  for (int i = 0; i < 128; ++i)
    ids.push_back(testing::numbered("id", i));
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));
  for (const auto& result : cache.execute(ops)) {  // EPIPE through the TLS BIO: no SIGPIPE
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::unavailable) << describe(result.error());
  }
  server_->restart();
  ASSERT_TRUE(wait_until([&] { return cache.apply_if_newer("k", 2, "y").has_value(); }));
  EXPECT_EQ(cache.get("k")->body, "y");
}

}  // namespace
}  // namespace streamcache::cache
