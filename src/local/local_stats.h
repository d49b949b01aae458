// What the live dashboard (/_local) shows, collected in process: per-route request rates and
// latency percentiles over a sliding window, the Cache-Status mix of the API's answers, cold starts
// and Init Duration (from the REPORT lines), the EMF metrics each function prints (the way
// CloudWatch Logs extracts them), and the stream mapping's batch outcomes and lag. Thread-safe: the
// gateway and the pools run on the io thread, the mapping on its own.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "json/json.h"

namespace streamcache::local {

// Latency histogram with logarithmic buckets (9% wide) from 10 µs to about 2 minutes.
class LatencyHistogram {
 public:
  static constexpr std::size_t kBuckets = 190;
  void add(std::chrono::nanoseconds latency);
  void merge(const LatencyHistogram& other);
  // The value below which `quantile` (0..1) of the samples fall, in ms (bucket midpoint); 0 empty.
  [[nodiscard]] double percentile_ms(double quantile) const;
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  std::array<std::uint32_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
};

// RFC 9211 Cache-Status of the API ("streamcache; hit", "streamcache; fwd=miss; stored", ...).
enum class CacheOutcome { none, hit, miss_stored, miss, unavailable };
CacheOutcome classify_cache_status(std::string_view header);

// The dashboard's name of a request: the route key, or for "$default" the method and the path
// with every segment after the first shown as {id} ("GET /items/{id}"), so ids do not each
// become a route.
std::string dashboard_route(std::string_view route_key, std::string_view method,
                            std::string_view path);

enum class BatchResult { delivered, retried, discarded };

class LocalStats {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kWindowSeconds = 60;
  static constexpr std::size_t kMaxRoutes = 32;  // more distinct routes are counted as "other"

  // `on_failure_file`: the mapping's destination; batches `./dev redrive` replayed are counted
  // from the files it leaves beside it (<file>.redriven-<time>).
  explicit LocalStats(std::filesystem::path on_failure_file = {});

  void record_request(const std::string& route, int status, std::chrono::nanoseconds latency,
                      CacheOutcome cache, Clock::time_point now = Clock::now());
  // A line a function (or the host for it) logged: REPORT lines and EMF lines are counted.
  void record_log_line(std::string_view function, std::string_view text,
                       Clock::time_point now = Clock::now());
  // One stream batch: its result and records, and the age of its newest record (IteratorAge).
  void record_batch(BatchResult result, std::size_t records, std::chrono::milliseconds lag,
                    Clock::time_point now = Clock::now());

  // The whole picture as served at /_local/stats (series oldest first, one point per second).
  [[nodiscard]] json::Value snapshot(Clock::time_point now = Clock::now()) const;

 private:
  struct Second {
    std::int64_t second = -1;  // seconds since start_; -1: unused
    std::uint64_t requests = 0;
    LatencyHistogram latency;
  };
  struct RouteStats {
    std::uint64_t total = 0;
    std::array<Second, kWindowSeconds> seconds{};
    LatencyHistogram all;
  };
  struct FunctionStats {
    std::uint64_t invocations = 0;
    std::uint64_t cold_starts = 0;
    std::deque<double> init_durations_ms;  // the latest cold starts
    LatencyHistogram duration;
    std::map<std::string, double, std::less<>> emf;  // sums of every EMF metric it printed
    std::optional<std::int64_t> last_emf_ms;         // epoch ms of its latest EMF line
  };
  struct StreamSecond {
    std::int64_t second = -1;
    std::uint64_t delivered = 0, retried = 0, discarded = 0;
    double max_lag_ms = -1;
  };

  [[nodiscard]] std::int64_t second_of(Clock::time_point t) const;
  [[nodiscard]] std::uint64_t redriven_batches() const;

  mutable std::mutex mutex_;
  Clock::time_point start_;
  std::filesystem::path on_failure_file_;
  std::map<std::string, RouteStats, std::less<>> routes_;
  std::map<int, std::uint64_t> status_classes_;  // 2 → 2xx answers, ...
  std::map<CacheOutcome, std::uint64_t> cache_;
  std::uint64_t requests_ = 0;
  std::map<std::string, FunctionStats, std::less<>> functions_;
  std::array<StreamSecond, kWindowSeconds> stream_seconds_{};
  std::uint64_t batches_ = 0, records_delivered_ = 0, batches_retried_ = 0, batches_discarded_ = 0,
                records_discarded_ = 0;
  std::optional<double> last_lag_ms_;
};

}  // namespace streamcache::local
