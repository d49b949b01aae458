// `./dev run` checks its options, an already running stack and its ports before it builds (a
// build takes minutes), and fails with a message that says what to change and a distinct exit
// code: 2 for a bad option, 3 for a busy port or a running stack. Nothing is built or started.
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/process.h"

namespace {

namespace fs = std::filesystem;
using streamcache::testing::free_port;
using streamcache::testing::port_open;
using streamcache::testing::run_shell;
using streamcache::testing::ShellResult;

// A port some other program holds: a listening socket on 127.0.0.1, closed on destruction.
class HeldPort {
 public:
  HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

class DevRun : public ::testing::Test {
 protected:
  void SetUp() override { state_dir_ = streamcache::testing::make_log_dir("dev_run"); }

  // `./dev <args>` from the source tree; the timeout only bounds an old ./dev that builds first.
  static ShellResult dev(const std::string& args) {
    return run_shell("cd '" + std::string(STREAMCACHE_SOURCE_DIR) + "' && timeout 900 ./dev " +
                     args + " </dev/null");
  }

  // Other free ports for every service, so only the port under test can be busy.
  std::string run_args(const std::string& extra) const {
    return "run --state-dir '" + state_dir_.string() + "' --api-port " +
           std::to_string(free_port()) + " --dynamodb-port " + std::to_string(free_port()) +
           " --redis-port " + std::to_string(free_port()) + " " + extra;
  }

  // The failure came before the build, and before anything was started.
  void expect_nothing_done(const ShellResult& r) const {
    EXPECT_EQ(r.output.find("building"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("starting"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(state_dir_ / "logs")) << r.output;
  }

  fs::path state_dir_;
};

TEST_F(DevRun, BadOptionsFailBeforeBuildingWithExitCode2) {
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"--seed many", "--seed needs a number of items, got 'many'"},
      {"--api-port 70000", "--api-port must be a port number from 1 to 65535, got '70000'"},
      {"--redis-port", "--redis-port must be a port number from 1 to 65535, got ''"},
      {"--bogus", "unknown option '--bogus'"},
      {"--api-port 9080 --redis-port 9080",
       "--api-port and --redis-port are both 9080; give each its own port"},
      {"--config /nonexistent/stack.json", "no stack configuration at /nonexistent/stack.json"},
      {"--cache triple", "--cache must be single or cluster, got 'triple'"},
      {"--cache", "--cache must be single or cluster, got ''"},
      {"--cache cluster --redis-port 55531",
       "--cache cluster uses ports N to N+5 and their cluster bus ports N+10000 to N+10005: "
       "--redis-port must be at most 55530, got 55531"},
      {"--cache cluster --redis-port 9080 --api-port 9085",
       "--api-port 9085 is one of the cluster's ports (9080 to 9085, bus 19080 to 19085); give "
       "each its own port"},
      {"--cache cluster --redis-port 9080 --dynamodb-port 19081",
       "--dynamodb-port 19081 is one of the cluster's ports (9080 to 9085, bus 19080 to 19085); "
       "give each its own port"},
  };
  for (const auto& c : cases) {
    // The case's options come last, so they override the free ports run_args chose.
    const ShellResult r = dev(run_args(c.args));
    EXPECT_EQ(r.status, 2) << c.args << ":\n" << r.output;
    EXPECT_NE(r.output.find("error: " + c.message), std::string::npos) << c.args << ":\n"
                                                                       << r.output;
    expect_nothing_done(r);
  }
}

TEST_F(DevRun, BusyPortsFailBeforeBuildingWithExitCode3) {
  for (const std::string option : {"--api-port", "--dynamodb-port", "--redis-port"}) {
    HeldPort busy;
    const std::string port = std::to_string(busy.port());
    const ShellResult r = dev(run_args(option + " " + port));
    EXPECT_EQ(r.status, 3) << option << ":\n" << r.output;
    EXPECT_NE(r.output.find("error: port " + port +
                            " on 127.0.0.1 is already in use; stop what "
                            "uses it or choose another with " +
                            option + " N"),
              std::string::npos)
        << r.output;
    expect_nothing_done(r);
  }
}

// A cluster needs --redis-port N to N+5 and their bus ports N+10000 to N+10005: any of them busy
// fails like the others. The held port is the third node's, then the fifth node's bus port.
TEST_F(DevRun, BusyClusterPortsFailBeforeBuildingWithExitCode3) {
  struct Case {
    int offset;  // of the held port from --redis-port
    std::string what;
  };
  for (const Case& c : {Case{2, ""}, Case{10004, " (the cluster bus of node "}}) {
    // A held port whose cluster fits below 65535 and whose eleven other ports are free.
    std::vector<std::unique_ptr<HeldPort>> held;
    auto others_free = [](int base, int busy) {
      for (int node = base; node < base + 6; ++node) {
        for (int port : {node, node + 10000}) {
          if (port != busy && port_open(port)) return false;
        }
      }
      return true;
    };
    int base = 0;
    while (base == 0) {
      held.push_back(std::make_unique<HeldPort>());
      const int candidate = held.back()->port() - c.offset;
      if (candidate >= 1024 && candidate + 10005 <= 65535 &&
          others_free(candidate, held.back()->port())) {
        base = candidate;
      }
    }
    const std::string port = std::to_string(held.back()->port());
    const ShellResult r = dev(run_args("--cache cluster --redis-port " + std::to_string(base)));
    EXPECT_EQ(r.status, 3) << c.offset << ":\n" << r.output;
    const std::string what =
        c.what.empty() ? "" : c.what + std::to_string(base + c.offset - 10000) + ")";
    EXPECT_NE(r.output.find("error: port " + port + " on 127.0.0.1" + what +
                            " is already in use; stop what uses it or choose another with "
                            "--redis-port N"),
              std::string::npos)
        << r.output;
    expect_nothing_done(r);
  }
}

TEST_F(DevRun, ASecondRunInTheSameStateDirFailsBeforeBuilding) {
  // A live pid in the state directory is a stack that runs (this test process stands in for it).
  std::ofstream(state_dir_ / "local.pid") << ::getpid() << "\n";
  const ShellResult r = dev(run_args(""));
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("the local stack is already running (local, pid " +
                          std::to_string(::getpid()) + ")"),
            std::string::npos)
      << r.output;
  expect_nothing_done(r);
}

TEST_F(DevRun, HelpListsEveryRunOptionWithoutBuilding) {
  for (const std::string args : {"help", "run --help"}) {
    const ShellResult r = dev(args);
    EXPECT_EQ(r.status, 0) << args << ":\n" << r.output;
    for (const std::string_view option :
         {"--detach", "--api-port N", "--dynamodb-port N", "--redis-port N",
          "--cache single|cluster", "--seed N", "--state-dir DIR", "--config FILE",
          "stop [--state-dir DIR]", "starts empty"}) {
      EXPECT_NE(r.output.find(option), std::string::npos) << args << " lacks " << option << ":\n"
                                                          << r.output;
    }
    expect_nothing_done(r);
  }
}

}  // namespace
