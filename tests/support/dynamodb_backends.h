// Suites that run on each DynamoDB implementation the tests have: moto_server and dynalite. Where
// they differ, tests assert what AWS documents and skip, with the reason, on a backend that lacks a
// feature (docs/dynamodb-emulators.md lists the differences).
//
//   class Store : public testing::WithDynamo<Store> {
//     void SetUp() override {
//       WithDynamo::SetUp();  // skips when the backend is not installed; empties its server
//       if (IsSkipped()) return;
//       ... aws::DynamoDbClient::from_env(fixed_env(dynamo().aws_env())) ...
//     }
//   };
//   TEST_P(Store, Works) { ... }
//   INSTANTIATE_TEST_SUITE_P(Backends, Store, testing::all_dynamo_backends(),
//                            testing::DynamoBackendName{});  // Backends/Store.Works/moto, ...
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "support/servers.h"

namespace streamcache::testing {

// dynalite (npm, tools/node): another DynamoDB implementation, in memory, on a free loopback
// port; tables spend 0 ms in CREATING and DELETING. Installed by ./dev setup.
class DynaliteServer final : public DynamoEndpoint {
 public:
  static constexpr std::string_view kNotInstalled = "dynalite not installed: run ./dev setup";
  // Whether tools/node/node_modules/.bin/dynalite and node are there to run it.
  [[nodiscard]] static bool available();
  [[nodiscard]] static std::filesystem::path program();

  DynaliteServer();  // throws std::runtime_error when it cannot start
  ~DynaliteServer() override;
  DynaliteServer(const DynaliteServer&) = delete;
  DynaliteServer& operator=(const DynaliteServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string endpoint() const override {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> aws_env() const override;
  // DeleteTable on every table until ListTables is empty (no restart: clients keep their
  // connection).
  void reset() const override;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

enum class DynamoBackend { moto, dynalite };
std::string_view to_string(DynamoBackend backend);
// gtest prints a failed test's parameter as "moto" or "dynalite", not as bytes.
inline void PrintTo(DynamoBackend backend, std::ostream* out) {
  *out << to_string(backend);
}

// Test names end in /moto or /dynalite.
struct DynamoBackendName {
  std::string operator()(const ::testing::TestParamInfo<DynamoBackend>& info) const {
    return std::string(to_string(info.param));
  }
};

// Documented DynamoDB behavior that not every backend has.
enum class DynamoFeature {
  streams,                    // DynamoDB Streams (dynalite: none; StreamSpecification ignored)
  failed_condition_item,      // ReturnValuesOnConditionCheckFailure=ALL_OLD (dynalite ignores it)
  number_normalization,       // numbers trimmed, 38 digits, range checked (moto keeps the text)
  asynchronous_table_status,  // CreateTable answers CREATING (moto: ACTIVE at once)
};

// Why `backend` lacks `feature`, for GTEST_SKIP; nullopt when it has it.
std::optional<std::string> missing(DynamoBackend backend, DynamoFeature feature);

// Parameters for INSTANTIATE_TEST_SUITE_P: every backend.
inline auto all_dynamo_backends() {
  return ::testing::Values(DynamoBackend::moto, DynamoBackend::dynalite);
}

// The backends that have `feature`: a suite about it runs only where it can.
std::vector<DynamoBackend> dynamo_backends_with(DynamoFeature feature);

// CreateTable, then DescribeTable until ACTIVE (DynamoDB creates tables asynchronously); the last
// description, whatever its status, when the deadline passed first.
Expected<aws::TableDescription, aws::Error> create_active_table(
    aws::DynamoDbClient& client, const aws::CreateTableRequest& request);

// Per-suite servers, started on a test's first use of its backend (a suite filtered to one backend
// starts one server) and stopped after the suite. CRTP: each suite gets its own servers.
template <class Suite>
class WithDynamo : public ::testing::TestWithParam<DynamoBackend> {
 public:
  static void TearDownTestSuite() {
    moto_.reset();
    dynalite_.reset();
  }

 protected:
  // Skips when the backend is not installed, else empties its server for this test.
  void SetUp() override {
    if (backend() == DynamoBackend::dynalite && !DynaliteServer::available()) {
      GTEST_SKIP() << DynaliteServer::kNotInstalled;
    }
    dynamo().reset();
  }

  [[nodiscard]] static DynamoBackend backend() { return GetParam(); }

  // This test's server.
  static DynamoEndpoint& dynamo() {
    if (GetParam() == DynamoBackend::moto) {
      if (!moto_) moto_ = std::make_unique<MotoServer>();
      return *moto_;
    }
    if (!dynalite_) dynalite_ = std::make_unique<DynaliteServer>();
    return *dynalite_;
  }

  // Why this test's backend lacks `feature` (use: if (auto why = lacks(f)) GTEST_SKIP() << *why;).
  [[nodiscard]] static std::optional<std::string> lacks(DynamoFeature feature) {
    return missing(backend(), feature);
  }

 private:
  static inline std::unique_ptr<MotoServer> moto_;
  static inline std::unique_ptr<DynaliteServer> dynalite_;
};

// WithDynamo plus a redis-server for the suite, flushed (and restarted if a test killed it) before
// each test.
template <class Suite>
class WithRedisAndDynamo : public WithDynamo<Suite> {
  using Dynamo = WithDynamo<Suite>;

 public:
  static void SetUpTestSuite() { redis_ = std::make_unique<RedisServer>(); }
  static void TearDownTestSuite() {
    redis_.reset();
    Dynamo::TearDownTestSuite();
  }

 protected:
  void SetUp() override {
    Dynamo::SetUp();
    if (this->IsSkipped()) return;
    if (!redis_->running()) redis_->restart();
    (void)redis_->cli({"FLUSHALL"});
  }

  static inline std::unique_ptr<RedisServer> redis_;
};

}  // namespace streamcache::testing
