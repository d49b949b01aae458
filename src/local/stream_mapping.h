// The DynamoDB Streams event source mapping: polls every shard of the table's stream (parents
// before children), batches records, invokes the function and applies Lambda's retry rules
// (ReportBatchItemFailures, bisect, retries, record age, on-failure destination). It runs on its
// own thread with blocking AWS clients; `invoke` blocks until the function answered.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "aws/dynamodb_streams.h"
#include "aws/service_client.h"
#include "local/config.h"
#include "local/function_pool.h"
#include "local/local_stats.h"
#include "local/log_sink.h"

namespace streamcache::local {

struct MappingStats {
  std::string stream_arn;           // empty until the stream was found
  long long batches = 0;            // invocations made
  long long records_delivered = 0;  // records whose batch succeeded
  long long records_discarded = 0;  // records sent to the on-failure destination
  long long retries = 0;
};

class StreamMapping {
 public:
  using Invoker = std::function<InvokeResult(std::string payload)>;

  // `stats` (may be null) gets every batch's outcome and lag for the dashboard.
  StreamMapping(MappingConfig config, aws::ClientConfig aws, std::string function_arn,
                std::chrono::milliseconds poll_interval, Invoker invoke, LogSink& log,
                LocalStats* stats = nullptr);
  ~StreamMapping();
  StreamMapping(const StreamMapping&) = delete;
  StreamMapping& operator=(const StreamMapping&) = delete;

  void start();
  void request_stop();  // wakes the poller; it ends after the invocation in flight
  void join();
  [[nodiscard]] MappingStats stats() const;

 private:
  void run();
  // Waits up to `d` unless a stop is requested; false when stopping.
  bool pause(std::chrono::milliseconds d);
  void add_stats(const MappingStats& delta);

  MappingConfig config_;
  aws::ClientConfig aws_;
  std::string function_arn_;
  std::chrono::milliseconds poll_interval_;
  Invoker invoke_;
  LogSink& log_;
  LocalStats* dashboard_stats_;  // may be null
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  MappingStats stats_;
  std::thread thread_;
};

// The index in `batch_sequence_numbers` where the retry starts for a function response, per
// ReportBatchItemFailures: the lowest failed sequence number. nullopt: the whole batch succeeded.
// An unknown or empty itemIdentifier, or a response that is not a batch response object with a
// list, fails the whole batch (index 0), as Lambda does.
std::optional<std::size_t> first_failed_index(
    std::string_view response, const std::vector<std::string>& batch_sequence_numbers);

// Numeric comparison of stream sequence numbers (moved to aws/ for the redrive command).
using aws::sequence_less;

}  // namespace streamcache::local
