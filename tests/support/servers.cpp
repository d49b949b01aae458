#include "support/servers.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <signal.h>

#include "support/wait.h"

namespace streamcache::testing {
namespace {

// Runs a command and returns its stdout with trailing whitespace removed.
std::string capture(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get()))
    out.append(buffer, n);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

std::string quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg)
    out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void report_log_if_failed(const std::string& what, const Process& process) {
  if (all_tests_passed()) return;
  std::cerr << "----- " << what << " log (kept at " << process.log_file() << ") -----\n"
            << process.log_tail() << "\n----- end of " << what << " log -----\n";
}

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options)
    : options_(std::move(options)), dir_(make_log_dir("redis")) {
  port_ = options_.plain_port ? free_port() : 0;
  tls_port_ = options_.tls_port ? free_port() : 0;
  start();
}

void RedisServer::start() {
  ++starts_;
  std::vector<std::string> argv = {
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
      "--save",       "",       "--appendonly",        "no",     "--dir",
      dir_.string()};
  if (options_.tls_port) {
    argv.push_back("--tls-port");
    argv.push_back(std::to_string(tls_port_));
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  process_ = std::make_unique<Process>(Process::Options{
      argv, dir_ / ("redis-" + std::to_string(starts_) + ".log"), {}, std::nullopt});
  const int ready_port = options_.plain_port ? port_ : tls_port_;
  bool ready = wait_until([&] { return !process_->running() || port_open(ready_port); });
  if (!ready || !process_->running()) {
    std::cerr << process_->log_tail() << "\n";
    throw std::runtime_error("redis-server did not start on port " + std::to_string(ready_port));
  }
}

RedisServer::~RedisServer() {
  resume();
  if (process_) {
    process_->stop();
    report_log_if_failed("redis-server", *process_);
  }
  if (all_tests_passed()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void RedisServer::kill() {
  if (process_) process_->kill();
}

void RedisServer::pause() {
  if (process_) process_->pause();
}

void RedisServer::resume() {
  if (process_) process_->resume();
}

void RedisServer::restart() {
  resume();
  if (process_) process_->stop();
  start();
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::string command = "redis-cli -h 127.0.0.1 -p " + std::to_string(port_);
  for (const auto& a : args) {
    command.push_back(' ');
    command.append(quote(a));
  }
  return capture(command + " 2>&1");
}

MotoServer::MotoServer() : MotoServer(Options{}) {}

MotoServer::MotoServer(Options options)
    : dir_(make_log_dir("moto")), tls_(!options.tls_cert.empty()) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    std::vector<std::string> argv = {"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port_)};
    if (tls_) {
      argv.insert(argv.end(),
                  {"-s", "-c", options.tls_cert.string(), "-k", options.tls_key.string()});
    }
    process_ = std::make_unique<Process>(Process::Options{
        argv, dir_ / "moto.log", {{"MOTO_ALLOW_NONEXISTENT_REGION", "true"}}, std::nullopt});
    if (wait_until([&] { return !process_->running() || port_open(port_); },
                   std::chrono::seconds(60)) &&
        process_->running()) {
      return;
    }
    std::cerr << "moto_server failed to start on port " << port_ << ":\n"
              << process_->log_tail() << "\n";
  }
  throw std::runtime_error("moto_server did not start (see log above)");
}

MotoServer::~MotoServer() {
  if (process_) {
    process_->stop();
    report_log_if_failed("moto_server", *process_);
  }
  if (all_tests_passed()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void MotoServer::reset() const {
  capture("curl -sk -X POST " + endpoint() + "/moto-api/reset");
}

std::map<std::string, std::string, std::less<>> MotoServer::aws_env() const {
  return {{"AWS_ENDPOINT_URL", endpoint()},
          {"AWS_REGION", "us-east-1"},
          {"AWS_ACCESS_KEY_ID", "testing"},
          {"AWS_SECRET_ACCESS_KEY", "testing"}};
}

}  // namespace streamcache::testing
