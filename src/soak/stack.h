// The local stack a soak runs against, as tools/local-stack.sh leaves it in its state directory:
// stack.env (endpoints), <service>.pid, logs/. Faults act on those processes directly: signals to
// redis-server and moto_server, a fresh redis-server on the same port, SIGKILL to a function
// instance (a child of streamcache-local, found by its AWS_LAMBDA_FUNCTION_NAME).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/expected.h"

namespace streamcache::soak {

class LocalStack {
 public:
  // Reads <state_dir>/stack.env and checks the stack's processes are running.
  static Expected<LocalStack, std::string> open(const std::filesystem::path& state_dir);

  // A variable of stack.env (API_URL, AWS_ENDPOINT_URL, REDIS_URL, TABLE_NAME, AWS_REGION ...).
  [[nodiscard]] std::string env(const std::string& name) const;
  // Every variable of stack.env as NAME=value, for a tool run against the stack.
  [[nodiscard]] std::vector<std::string> environment() const;
  [[nodiscard]] const std::filesystem::path& state_dir() const { return state_dir_; }
  [[nodiscard]] std::filesystem::path on_failure_file() const;

  // The pid of a service of the stack ("redis", "moto", "local"); nullopt when it is not running.
  [[nodiscard]] std::optional<pid_t> pid(const std::string& service) const;

  Expected<void, std::string> stop(const std::string& service);    // SIGSTOP
  Expected<void, std::string> resume(const std::string& service);  // SIGCONT
  Expected<void, std::string> kill_redis();                        // SIGKILL, reaped
  Expected<void, std::string> start_redis();                       // same port, empty
  // Live function instances of `function` (e.g. "streamcache-api").
  [[nodiscard]] std::vector<pid_t> instances(const std::string& function) const;

 private:
  LocalStack(std::filesystem::path state_dir, std::map<std::string, std::string> env)
      : state_dir_(std::move(state_dir)), env_(std::move(env)) {}

  std::filesystem::path state_dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace streamcache::soak
