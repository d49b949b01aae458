// The Lambda service for one function: a pool of sandboxes (bootstrap children, each with its own
// Runtime API), a new one when all are busy up to the concurrency limit, warm reuse of idle ones,
// timeouts that kill the sandbox, and Lambda's START/END/REPORT lines. Runs on one io_context
// thread; invoke() is a coroutine on that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/expected.h"
#include "local/async_event.h"
#include "local/config.h"
#include "local/log_sink.h"
#include "local/trace_receiver.h"

namespace streamcache::local {

// Who invokes, which decides what a busy function does, as in Lambda: a synchronous caller (the
// HTTP API) is throttled at once when the reserved concurrency is all in use; a poller (the
// stream mapping) waits for an instance, since Lambda's pollers retry throttles themselves.
enum class InvokeMode { synchronous, poller };

struct InvokeResult {
  enum class Status {
    ok,                 // payload is the function's response
    function_error,     // payload is {"errorMessage","errorType",...}; error_type says which
    timed_out,          // the sandbox was killed after the function's timeout
    throttled,          // Lambda's 429: reserved concurrency in use, or no instance all timeout
    payload_too_large,  // the request is over Lambda's 6 MB limit
  };
  Status status = Status::ok;
  std::string payload;
  std::string error_type;  // e.g. "Runtime.ExitError", "Sandbox.Timedout", "EchoFailure"
  std::string request_id;
  bool cold_start = false;
};

// Where a function's code lives once prepared: the directory Lambda calls LAMBDA_TASK_ROOT.
struct FunctionCode {
  std::filesystem::path task_root;
  std::filesystem::path bootstrap;
};

// Unzips a .zip into <work_dir>/functions/<name>, or uses a bootstrap file or a directory as is.
Expected<FunctionCode, std::string> prepare_code(const FunctionConfig& function,
                                                 const std::filesystem::path& work_dir);

struct PoolStats {
  int instances = 0;
  int busy = 0;
  int cold_starts = 0;
  int invocations = 0;
};

class FunctionPool {
 public:
  FunctionPool(boost::asio::io_context& io, FunctionConfig function, FunctionCode code,
               const StackConfig& stack, LogSink& log);
  ~FunctionPool();
  FunctionPool(const FunctionPool&) = delete;
  FunctionPool& operator=(const FunctionPool&) = delete;

  boost::asio::awaitable<InvokeResult> invoke(std::string payload, std::string trace_id = {},
                                              InvokeMode mode = InvokeMode::poller);

  // Active tracing, as Lambda does it: the pool decides sampling (the caller's Sampled=1/0, else
  // local.trace_sampling_percent), creates the function segment, hands its id to the function as
  // Parent in Lambda-Runtime-Trace-Id, and points AWS_XRAY_DAEMON_ADDRESS of new instances at
  // `receiver`, where it records the function segment too. Before the first invoke.
  void enable_tracing(TraceReceiver* receiver) { traces_ = receiver; }

  // Kills every instance (at shutdown); pending invocations end as errors.
  void shutdown();
  [[nodiscard]] PoolStats stats() const;
  [[nodiscard]] const FunctionConfig& function() const { return function_; }
  [[nodiscard]] std::string arn() const;

  class Instance;  // one sandbox (defined in the .cpp)
  struct Pending;  // one invocation in flight

 private:
  friend class Instance;
  Expected<std::shared_ptr<Instance>, std::string> spawn();
  std::shared_ptr<Instance> take_idle();
  void on_instance_gone(Instance& instance);
  std::string new_request_id();
  [[nodiscard]] std::vector<std::string> environment(int runtime_api_port, int instance_id) const;

  boost::asio::io_context& io_;
  FunctionConfig function_;
  FunctionCode code_;
  std::string region_;
  std::string account_id_;
  LocalConfig local_;
  LogSink& log_;
  std::vector<std::shared_ptr<Instance>> instances_;
  AsyncEvent freed_;  // an instance became idle or went away
  TraceReceiver* traces_ = nullptr;
  std::mt19937_64 random_;
  int next_instance_id_ = 1;
  int cold_starts_ = 0;
  int invocations_ = 0;
  bool shutting_down_ = false;
};

// Lambda's REPORT line, tab-separated like CloudWatch's: Duration, Billed Duration, Memory Size,
// Max Memory Used, and Init Duration on cold starts.
std::string report_line(const std::string& request_id, std::chrono::nanoseconds duration,
                        int memory_size_mb, long max_memory_used_mb,
                        std::optional<std::chrono::nanoseconds> init_duration);

}  // namespace streamcache::local
