// streamcache-local as a library: the Lambda service (one pool per function), the HTTP API and
// the stream mapping, started from a StackConfig and stopped with every child process.
#pragma once

#include <memory>
#include <string>

#include "common/expected.h"
#include "local/config.h"
#include "local/function_pool.h"
#include "local/log_sink.h"

namespace streamcache::local {

class LocalHost {
 public:
  // Prepares the code, binds the API port and starts everything; errors say what to fix.
  static Expected<std::unique_ptr<LocalHost>, std::string> start(StackConfig config, LogSink& log);
  ~LocalHost();  // stops everything
  LocalHost(const LocalHost&) = delete;
  LocalHost& operator=(const LocalHost&) = delete;

  // "http://127.0.0.1:8080"; empty without an api function.
  [[nodiscard]] std::string api_url() const;
  // Invokes a function directly ("api", "stream_handler" or "monitor"), blocking; for tests and
  // tools.
  InvokeResult invoke(const std::string& function_key, std::string payload);
  // The health document (also served at /__streamcache/health).
  [[nodiscard]] std::string health() const;
  void stop();

  struct Impl;
  // Only start() can make an Impl; public so make_unique can call it.
  explicit LocalHost(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamcache::local
