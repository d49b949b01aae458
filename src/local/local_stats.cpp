#include "local/local_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace streamcache::local {

namespace {

constexpr double kFirstBucketMs = 0.01;
constexpr double kBucketGrowth = 1.09;
constexpr std::size_t kInitDurationsKept = 50;
constexpr std::string_view kOtherRoute = "other";

json::Value number(double v, int decimals = 3) {
  if (!std::isfinite(v)) return nullptr;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return json::Number{text};
}

json::Value count(std::uint64_t n) {
  return json::Value::integer(static_cast<std::int64_t>(n));
}

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "Init Duration: 6.09 ms" → 6.09, from the tab-separated fields of a REPORT line.
std::optional<double> report_field_ms(std::string_view line, std::string_view name) {
  std::size_t at = 0;
  while ((at = line.find(name, at)) != std::string_view::npos) {
    const bool field_start = at == 0 || line[at - 1] == '\t';
    if (field_start && line.substr(at + name.size(), 2) == ": ") {
      const std::string value(line.substr(at + name.size() + 2, 32));
      char* end = nullptr;
      const double ms = std::strtod(value.c_str(), &end);
      if (end != value.c_str()) return ms;
    }
    at += name.size();
  }
  return std::nullopt;
}

double to_double(const json::Value& v) {
  if (v.is_number()) return std::strtod(v.as_number().text.c_str(), nullptr);
  return 0;
}

}  // namespace

void LatencyHistogram::add(std::chrono::nanoseconds latency) {
  const double ms = static_cast<double>(latency.count()) / 1e6;
  std::size_t index = 0;
  if (ms > kFirstBucketMs) {
    index = static_cast<std::size_t>(std::log(ms / kFirstBucketMs) / std::log(kBucketGrowth)) + 1;
  }
  ++buckets_[std::min(index, kBuckets - 1)];
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
}

double LatencyHistogram::percentile_ms(double quantile) const {
  if (count_ == 0) return 0;
  // The rank of the sample asked for (1-based, rounded up, as "nearest rank" percentiles do).
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      if (i == 0) return kFirstBucketMs / 2;
      const double low = kFirstBucketMs * std::pow(kBucketGrowth, static_cast<double>(i - 1));
      return low * (1 + kBucketGrowth) / 2;
    }
  }
  return 0;
}

CacheOutcome classify_cache_status(std::string_view header) {
  if (header.empty()) return CacheOutcome::none;
  if (header.find("cache-unavailable") != std::string_view::npos) return CacheOutcome::unavailable;
  if (header.find("fwd=") != std::string_view::npos) {
    return header.find("stored") != std::string_view::npos ? CacheOutcome::miss_stored
                                                           : CacheOutcome::miss;
  }
  // "; hit" as a parameter of the cache's entry (RFC 9211), not part of another word.
  const auto hit = header.find("hit");
  if (hit != std::string_view::npos && hit > 0 &&
      (header[hit - 1] == ';' || header[hit - 1] == ' ')) {
    return CacheOutcome::hit;
  }
  return CacheOutcome::none;
}

std::string dashboard_route(std::string_view route_key, std::string_view method,
                            std::string_view path) {
  if (route_key != "$default") return std::string(route_key);
  std::string out(method);
  out += ' ';
  std::size_t segment = 0;
  std::size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const auto end = std::min(path.find('/', at), path.size());
    out += '/';
    out += segment == 0 ? path.substr(at, end - at) : std::string_view("{id}");
    ++segment;
    at = end;
  }
  if (segment == 0) out += '/';
  return out;
}

LocalStats::LocalStats(std::filesystem::path on_failure_file)
    : start_(Clock::now()), on_failure_file_(std::move(on_failure_file)) {}

std::int64_t LocalStats::second_of(Clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::seconds>(t - start_).count();
}

void LocalStats::record_request(const std::string& route, int status,
                                std::chrono::nanoseconds latency, CacheOutcome cache,
                                Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = routes_.find(route);
  if (it == routes_.end()) {
    const bool full = routes_.size() >= kMaxRoutes;
    it = routes_.try_emplace(full ? std::string(kOtherRoute) : route).first;
  }
  RouteStats& r = it->second;
  const std::int64_t second = second_of(now);
  Second& slot = r.seconds[static_cast<std::size_t>(second % kWindowSeconds)];
  if (slot.second != second) slot = Second{second, 0, {}};
  ++slot.requests;
  slot.latency.add(latency);
  r.all.add(latency);
  ++r.total;
  ++requests_;
  ++status_classes_[status / 100];
  ++cache_[cache];
}

void LocalStats::record_log_line(std::string_view function, std::string_view text,
                                 Clock::time_point now) {
  (void)now;
  if (text.starts_with("REPORT RequestId: ")) {
    std::lock_guard lock(mutex_);
    FunctionStats& f = functions_[std::string(function)];
    ++f.invocations;
    if (auto ms = report_field_ms(text, "Duration")) {
      f.duration.add(std::chrono::nanoseconds(static_cast<std::int64_t>(*ms * 1e6)));
    }
    if (auto init = report_field_ms(text, "Init Duration")) {
      ++f.cold_starts;
      f.init_durations_ms.push_back(*init);
      if (f.init_durations_ms.size() > kInitDurationsKept) f.init_durations_ms.pop_front();
    }
    return;
  }
  // Embedded Metric Format: a JSON object with _aws.CloudWatchMetrics naming its metrics.
  if (!text.starts_with("{") || text.find("\"_aws\"") == std::string_view::npos) return;
  auto doc = json::parse(text);
  if (!doc || !doc->is_object()) return;
  const json::Value* aws = doc->find("_aws");
  const json::Value* directives = aws != nullptr ? aws->find("CloudWatchMetrics") : nullptr;
  if (directives == nullptr || !directives->is_array()) return;
  std::lock_guard lock(mutex_);
  FunctionStats& f = functions_[std::string(function)];
  for (const auto& directive : directives->as_array()) {
    const json::Value* metrics = directive.find("Metrics");
    if (metrics == nullptr || !metrics->is_array()) continue;
    for (const auto& metric : metrics->as_array()) {
      auto name = metric.get_string("Name");
      const json::Value* value = name ? doc->find(*name) : nullptr;
      if (value == nullptr) continue;
      double sum = 0;
      if (value->is_array()) {  // EMF allows an array of values
        for (const auto& v : value->as_array())
          sum += to_double(v);
      } else {
        sum = to_double(*value);
      }
      f.emf[std::string(*name)] += sum;
    }
  }
  f.last_emf_ms = epoch_ms_now();
}

void LocalStats::record_batch(BatchResult result, std::size_t records,
                              std::chrono::milliseconds lag, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::int64_t second = second_of(now);
  StreamSecond& slot = stream_seconds_[static_cast<std::size_t>(second % kWindowSeconds)];
  if (slot.second != second) slot = StreamSecond{second};
  ++batches_;
  switch (result) {
    case BatchResult::delivered:
      ++slot.delivered;
      records_delivered_ += records;
      break;
    case BatchResult::retried:
      ++slot.retried;
      ++batches_retried_;
      break;
    case BatchResult::discarded:
      ++slot.discarded;
      ++batches_discarded_;
      records_discarded_ += records;
      break;
  }
  const double lag_ms = static_cast<double>(lag.count());
  slot.max_lag_ms = std::max(slot.max_lag_ms, lag_ms);
  last_lag_ms_ = lag_ms;
}

std::uint64_t LocalStats::redriven_batches() const {
  if (on_failure_file_.empty()) return 0;
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string prefix = on_failure_file_.filename().string() + ".redriven-";
  std::uint64_t lines = 0;
  for (fs::directory_iterator it(on_failure_file_.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->path().filename().string().starts_with(prefix)) continue;
    std::ifstream in(it->path());
    std::string line;
    while (std::getline(in, line))
      lines += line.empty() ? 0 : 1;
  }
  return lines;
}

json::Value LocalStats::snapshot(Clock::time_point now) const {
  const std::uint64_t redriven = redriven_batches();  // file reads outside the lock
  std::lock_guard lock(mutex_);
  const std::int64_t current = second_of(now);
  json::Value out = json::Object{};
  out.set("timeEpochMs", json::Value::integer(epoch_ms_now()));
  out.set("windowSeconds", json::Value::integer(kWindowSeconds));

  json::Value requests = json::Object{};
  requests.set("total", count(requests_));
  json::Value routes = json::Array{};
  for (const auto& [name, r] : routes_) {
    json::Value route = json::Object{};
    route.set("route", name);
    route.set("total", count(r.total));
    json::Value per_second = json::Array{};
    json::Value p50 = json::Array{};
    json::Value p99 = json::Array{};
    LatencyHistogram window;
    for (std::int64_t s = current - kWindowSeconds + 1; s <= current; ++s) {
      const Second* slot = nullptr;
      if (s >= 0) {
        const Second& candidate = r.seconds[static_cast<std::size_t>(s % kWindowSeconds)];
        if (candidate.second == s) slot = &candidate;
      }
      per_second.as_array().push_back(count(slot != nullptr ? slot->requests : 0));
      p50.as_array().push_back(slot != nullptr ? number(slot->latency.percentile_ms(0.5))
                                               : json::Value(nullptr));
      p99.as_array().push_back(slot != nullptr ? number(slot->latency.percentile_ms(0.99))
                                               : json::Value(nullptr));
      if (slot != nullptr) window.merge(slot->latency);
    }
    route.set("perSecond", std::move(per_second));
    route.set("p50SeriesMs", std::move(p50));
    route.set("p99SeriesMs", std::move(p99));
    route.set("windowCount", count(window.count()));
    route.set("p50Ms", number(r.all.percentile_ms(0.5)));
    route.set("p99Ms", number(r.all.percentile_ms(0.99)));
    routes.as_array().push_back(std::move(route));
  }
  requests.set("routes", std::move(routes));
  json::Value statuses = json::Object{};
  for (const auto& [cls, n] : status_classes_)
    statuses.set(std::to_string(cls) + "xx", count(n));
  requests.set("statusClasses", std::move(statuses));
  out.set("requests", std::move(requests));

  auto cache_count = [&](CacheOutcome o) {
    auto it = cache_.find(o);
    return it == cache_.end() ? std::uint64_t{0} : it->second;
  };
  const std::uint64_t hits = cache_count(CacheOutcome::hit);
  const std::uint64_t lookups = hits + cache_count(CacheOutcome::miss_stored) +
                                cache_count(CacheOutcome::miss) +
                                cache_count(CacheOutcome::unavailable);
  json::Value cache = json::Object{};
  cache.set("hit", count(hits));
  cache.set("missStored", count(cache_count(CacheOutcome::miss_stored)));
  cache.set("miss", count(cache_count(CacheOutcome::miss)));
  cache.set("unavailable", count(cache_count(CacheOutcome::unavailable)));
  cache.set("noCacheStatus", count(cache_count(CacheOutcome::none)));
  cache.set("lookups", count(lookups));
  cache.set("hitRatio", lookups == 0
                            ? json::Value(nullptr)
                            : number(static_cast<double>(hits) / static_cast<double>(lookups), 6));
  out.set("cache", std::move(cache));

  json::Value functions = json::Object{};
  for (const auto& [name, f] : functions_) {
    json::Value fn = json::Object{};
    fn.set("invocations", count(f.invocations));
    fn.set("coldStarts", count(f.cold_starts));
    json::Value inits = json::Array{};
    for (double ms : f.init_durations_ms)
      inits.as_array().push_back(number(ms));
    fn.set("initDurationsMs", std::move(inits));
    fn.set("durationP50Ms", number(f.duration.percentile_ms(0.5)));
    fn.set("durationP99Ms", number(f.duration.percentile_ms(0.99)));
    json::Value emf = json::Object{};
    for (const auto& [metric, sum] : f.emf)
      emf.set(metric, number(sum));
    fn.set("emf", std::move(emf));
    fn.set("lastEmfEpochMs", f.last_emf_ms ? json::Value::integer(*f.last_emf_ms) : nullptr);
    functions.set(name, std::move(fn));
  }
  out.set("functions", std::move(functions));

  json::Value stream = json::Object{};
  stream.set("batches", count(batches_));
  stream.set("recordsDelivered", count(records_delivered_));
  stream.set("retried", count(batches_retried_));
  stream.set("failed", count(batches_discarded_));
  stream.set("recordsDiscarded", count(records_discarded_));
  stream.set("redriven", count(redriven));
  stream.set("lagMs", last_lag_ms_ ? number(*last_lag_ms_) : nullptr);
  json::Value lag = json::Array{};
  json::Value delivered = json::Array{};
  json::Value retried = json::Array{};
  json::Value failed = json::Array{};
  for (std::int64_t s = current - kWindowSeconds + 1; s <= current; ++s) {
    const StreamSecond* slot = nullptr;
    if (s >= 0) {
      const StreamSecond& candidate = stream_seconds_[static_cast<std::size_t>(s % kWindowSeconds)];
      if (candidate.second == s) slot = &candidate;
    }
    lag.as_array().push_back(slot != nullptr && slot->max_lag_ms >= 0 ? number(slot->max_lag_ms)
                                                                      : json::Value(nullptr));
    delivered.as_array().push_back(count(slot != nullptr ? slot->delivered : 0));
    retried.as_array().push_back(count(slot != nullptr ? slot->retried : 0));
    failed.as_array().push_back(count(slot != nullptr ? slot->discarded : 0));
  }
  stream.set("lagSeriesMs", std::move(lag));
  stream.set("deliveredPerSecond", std::move(delivered));
  stream.set("retriedPerSecond", std::move(retried));
  stream.set("failedPerSecond", std::move(failed));
  out.set("stream", std::move(stream));
  return out;
}

}  // namespace streamcache::local
