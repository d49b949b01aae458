// HTTPS end to end: moto serving TLS with a throwaway CA; the client verifies chain and host name.
#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "support/servers.h"
#include "support/tls_files.h"
#include "test_config.h"

namespace streamcache::aws {
namespace {

class HttpsMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::make_log_dir("https-certs");
    files_ = testing::make_tls_files(dir_);
    moto_ = std::make_unique<testing::MotoServer>(
        testing::MotoServer::Options{files_.server_cert, files_.server_key});
  }
  static void TearDownTestSuite() { moto_.reset(); }

  static ClientConfig config_trusting(const std::filesystem::path& ca) {
    auto config = testing::local_config(moto_->endpoint());
    config.http.ca_file = ca.string();
    config.retry.max_attempts = 1;
    return config;
  }

  static inline std::filesystem::path dir_;
  static inline testing::TlsFiles files_;
  static inline std::unique_ptr<testing::MotoServer> moto_;
};

TEST_F(HttpsMoto, TrustedCertificateWorks) {
  DynamoDbClient db(config_trusting(files_.ca_cert));
  auto created =
      db.create_table(CreateTableRequest{"tls", {"id", 'S'}, std::nullopt, std::nullopt, true});
  ASSERT_TRUE(created) << created.error().describe();
  ASSERT_TRUE(db.put_item(
      PutItemRequest{"tls", {{"id", AttributeValue::string("a")}}, {}, ReturnValues::none}));
  auto got = db.get_item(GetItemRequest{"tls", {{"id", AttributeValue::string("a")}}, true});
  ASSERT_TRUE(got) << got.error().describe();
  EXPECT_TRUE(got->has_value());
}

TEST_F(HttpsMoto, UntrustedCertificateFailsClearly) {
  DynamoDbClient db(config_trusting(files_.other_ca_cert));
  auto result = db.describe_table("tls");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::unavailable);
  EXPECT_NE(result.error().message.find("TLS handshake"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("certificate"), std::string::npos)
      << result.error().message;
}

TEST_F(HttpsMoto, VerificationCanBeSwitchedOffExplicitly) {
  auto config = config_trusting(files_.other_ca_cert);
  config.http.verify_tls = false;
  DynamoDbClient db(std::move(config));
  auto result = db.describe_table("missing");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::resource_not_found);  // the request got through
}

}  // namespace
}  // namespace streamcache::aws
