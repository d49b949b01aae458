// Test-suite fixtures whose servers are shared by every test of the suite (starting them is the
// slow part) while each test starts from empty ones. CRTP: each suite gets its own servers.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "support/servers.h"

namespace streamcache::testing {

template <class Suite, class Base = ::testing::Test>
class WithMoto : public Base {
 public:
  static void SetUpTestSuite() { moto_ = std::make_unique<MotoServer>(); }
  static void TearDownTestSuite() { moto_.reset(); }

 protected:
  static inline std::unique_ptr<MotoServer> moto_;
};

template <class Suite, class Base = ::testing::Test>
class WithRedisAndMoto : public WithMoto<Suite, Base> {
  using Moto = WithMoto<Suite, Base>;

 public:
  static void SetUpTestSuite() {
    Moto::SetUpTestSuite();
    redis_ = std::make_unique<RedisServer>();
  }
  static void TearDownTestSuite() {
    redis_.reset();
    Moto::TearDownTestSuite();
  }

 protected:
  // Empty servers for the next test; a redis-server an earlier test killed is started again.
  static void reset_servers() {
    Moto::moto_->reset();
    redis_->resume();  // a test that paused it and failed before resuming
    if (!redis_->running()) redis_->restart();
    (void)redis_->cli({"FLUSHALL"});
  }

  static inline std::unique_ptr<RedisServer> redis_;
};

}  // namespace streamcache::testing
