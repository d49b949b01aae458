// The soak's traffic: API writers (PUT, PATCH, POST, DELETE) and readers (GET) through the HTTP
// API, and a direct DynamoDB writer changing rows without the API (no `version`, as another tool
// would), all on a small set of hot ids so they contend. Every operation is recorded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"

namespace streamcache::soak {

enum class OpKind : std::uint8_t { get, put, patch, post, del, direct_put, direct_delete };
inline constexpr int kOpKinds = 7;
std::string_view to_string(OpKind kind);

struct OpRecord {
  OpKind kind = OpKind::get;
  int status = 0;  // HTTP status; 0: no answer (the connection failed); DynamoDB: 200 or 0
  std::chrono::microseconds latency{0};
  std::chrono::milliseconds at{0};  // since the workload started
  std::string cache_status;         // GET only: the Cache-Status header
  std::string error;                // why status is 0 or 5xx, when known
};

struct WorkloadOptions {
  std::string api_url;       // http://127.0.0.1:8080
  std::string aws_endpoint;  // moto_server
  std::string region;
  std::string table;
  int writers = 4;
  int readers = 4;
  int direct_writers = 1;
  int ids = 24;  // soak-0 … soak-(ids-1)
  std::uint64_t seed = 1;
};

class Workload {
 public:
  explicit Workload(WorkloadOptions options);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  void start();
  void stop();  // waits for the operations in flight
  [[nodiscard]] std::vector<OpRecord> records() const;
  [[nodiscard]] std::vector<std::string> ids() const;

 private:
  void api_writer(int index);
  void reader(int index);
  void direct_writer(int index);
  void add(OpRecord record);
  // Sends one API request and records its status, latency and (GET) Cache-Status.
  OpRecord send_timed(http::Client& client, const http::Request& request, OpKind kind);

  WorkloadOptions options_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<OpRecord> records_;
  std::vector<std::thread> threads_;
};

}  // namespace streamcache::soak
