// Real servers for integration tests, each on a free loopback port, ready when constructed and
// stopped when destroyed. When a test of the binary failed, their logs are printed and kept.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace streamcache::testing {

class RedisServer {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // e.g. {"--requirepass", "secret"} or TLS settings
    bool plain_port = true;  // false: `--port 0`, readiness is then checked on tls_port
    bool tls_port = false;   // also listen with TLS on tls_port() (caller passes the certs)
  };
  RedisServer();
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int tls_port() const { return tls_port_; }
  [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  void kill();  // SIGKILL, for fault tests
  // SIGSTOP: the kernel still completes connects (the listen backlog), nothing answers. resume()
  // (SIGCONT) undoes it; restart and the destructor resume first.
  void pause();
  void resume();
  void restart();  // start again on the same ports and wait until ready
  [[nodiscard]] bool running() { return process_ && process_->running(); }
  // Runs redis-cli against the plain port and returns its trimmed stdout.
  [[nodiscard]] std::string cli(const std::vector<std::string>& args) const;

 private:
  void start();
  Options options_;
  std::filesystem::path dir_;
  int port_ = 0;
  int tls_port_ = 0;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

// A DynamoDB-compatible server as a test sees it, whichever implementation serves it
// (support/dynamodb_backends.h runs suites on each).
class DynamoEndpoint {
 public:
  virtual ~DynamoEndpoint() = default;
  [[nodiscard]] virtual std::string endpoint() const = 0;
  // What an AWS client needs to talk to this server: endpoint, region and dummy credentials.
  [[nodiscard]] virtual std::map<std::string, std::string, std::less<>> aws_env() const = 0;
  // Drops every table: isolates tests sharing one server.
  virtual void reset() const = 0;
};

class MotoServer final : public DynamoEndpoint {
 public:
  struct Options {
    std::filesystem::path tls_cert;  // non-empty: serve HTTPS with this certificate and key
    std::filesystem::path tls_key;
  };
  MotoServer();
  explicit MotoServer(Options options);
  ~MotoServer() override;
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // http://127.0.0.1:PORT, or https://localhost:PORT when serving TLS (the certificate's name).
  [[nodiscard]] std::string endpoint() const override {
    return tls_ ? "https://localhost:" + std::to_string(port_)
                : "http://127.0.0.1:" + std::to_string(port_);
  }
  // Drops every resource, streams and S3 too (POST /moto-api/reset).
  void reset() const override;
  [[nodiscard]] std::map<std::string, std::string, std::less<>> aws_env() const override;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  bool tls_ = false;
  std::unique_ptr<Process> process_;
};

// Prints a process's log tail to stderr when a test failed (called by the fixtures' destructors).
void report_log_if_failed(const std::string& what, const Process& process);

}  // namespace streamcache::testing
