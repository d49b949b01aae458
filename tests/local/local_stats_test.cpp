// The dashboard's data without a stack: latency percentiles, Cache-Status classes, route names,
// REPORT and EMF lines, stream batches over the sliding window, the redrive's files, traces.
#include "local/local_stats.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "local/dashboard.h"
#include "local/trace_tail.h"
#include "support/process.h"

namespace {

using namespace streamcache;
using namespace streamcache::local;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

double number(const json::Value* v) {
  return v != nullptr && v->is_number() ? std::stod(v->as_number().text) : -1;
}

const json::Value& at(const json::Value& v, std::initializer_list<std::string_view> path) {
  const json::Value* cur = &v;
  for (auto key : path) {
    cur = cur->find(key);
    if (cur == nullptr) throw std::runtime_error("missing " + std::string(key));
  }
  return *cur;
}

TEST(LatencyHistogram, PercentilesWithinABucketOfTheSamples) {
  LatencyHistogram h;
  for (int ms = 1; ms <= 100; ++ms)
    h.add(std::chrono::milliseconds(ms));
  EXPECT_EQ(h.count(), 100U);
  EXPECT_NEAR(h.percentile_ms(0.5), 50, 50 * 0.1);
  EXPECT_NEAR(h.percentile_ms(0.99), 99, 99 * 0.1);
  EXPECT_EQ(LatencyHistogram{}.percentile_ms(0.5), 0);
}

TEST(CacheStatus, ClassifiesTheApiValues) {
  EXPECT_EQ(classify_cache_status("streamcache; hit"), CacheOutcome::hit);
  EXPECT_EQ(classify_cache_status("streamcache; fwd=miss; stored"), CacheOutcome::miss_stored);
  EXPECT_EQ(classify_cache_status("streamcache; fwd=miss"), CacheOutcome::miss);
  EXPECT_EQ(classify_cache_status("streamcache; fwd=miss; detail=cache-unavailable"),
            CacheOutcome::unavailable);
  EXPECT_EQ(classify_cache_status(""), CacheOutcome::none);
  EXPECT_EQ(classify_cache_status("whitehit"), CacheOutcome::none);
}

TEST(DashboardRoute, GroupsIdsUnderTheDefaultRoute) {
  EXPECT_EQ(dashboard_route("$default", "GET", "/items/lamp-1"), "GET /items/{id}");
  EXPECT_EQ(dashboard_route("$default", "POST", "/items"), "POST /items");
  EXPECT_EQ(dashboard_route("$default", "GET", "/items/"), "GET /items");
  EXPECT_EQ(dashboard_route("$default", "GET", "/"), "GET /");
  EXPECT_EQ(dashboard_route("GET /items/{id}", "GET", "/items/x"), "GET /items/{id}");
}

TEST(DashboardPath, OnlyUnderLocal) {
  EXPECT_TRUE(is_dashboard_path("/_local"));
  EXPECT_TRUE(is_dashboard_path("/_local/stats"));
  EXPECT_FALSE(is_dashboard_path("/_localx"));
  EXPECT_FALSE(is_dashboard_path("/items/_local"));
}

TEST(LocalStats, RequestsRatesAndTheHitRatio) {
  LocalStats stats;
  const auto t0 = LocalStats::Clock::now();
  for (int i = 0; i < 4; ++i)
    stats.record_request("PUT /items/{id}", 201, 5ms, CacheOutcome::none, t0);
  for (int i = 0; i < 6; ++i)
    stats.record_request("GET /items/{id}", 200, 2ms, CacheOutcome::hit, t0 + 1s);
  stats.record_request("GET /items/{id}", 404, 9ms, CacheOutcome::miss_stored, t0 + 1s);
  stats.record_request("GET /items/{id}", 200, 9ms, CacheOutcome::unavailable, t0 + 2s);
  const json::Value s = stats.snapshot(t0 + 2s);
  EXPECT_EQ(number(&at(s, {"requests", "total"})), 12);
  EXPECT_NEAR(number(&at(s, {"cache", "hitRatio"})), 6.0 / 8.0, 0.001);
  EXPECT_EQ(number(&at(s, {"requests", "statusClasses", "4xx"})), 1);
  const auto& routes = at(s, {"requests", "routes"}).as_array();
  ASSERT_EQ(routes.size(), 2U);
  const json::Value& get = routes[0];  // ordered by name
  EXPECT_EQ(get.get_string("route").value_or(""), "GET /items/{id}");
  const auto& per_second = get.find("perSecond")->as_array();
  ASSERT_EQ(per_second.size(), static_cast<std::size_t>(LocalStats::kWindowSeconds));
  EXPECT_EQ(number(&per_second.back()), 1);                            // t0 + 2s
  EXPECT_EQ(number(&per_second[per_second.size() - 2]), 7);            // t0 + 1s
  EXPECT_TRUE(get.find("p50SeriesMs")->as_array().front().is_null());  // before the start
  // A minute later the window has moved past every request; the totals stay.
  const json::Value later =
      stats.snapshot(t0 + 2s + std::chrono::seconds(LocalStats::kWindowSeconds));
  const json::Value& get_later = at(later, {"requests", "routes"}).as_array()[0];
  EXPECT_EQ(number(get_later.find("windowCount")), 0);
  EXPECT_EQ(number(get_later.find("total")), 8);
}

TEST(LocalStats, ReportLinesGiveColdStartsAndEmfLinesTheirMetrics) {
  LocalStats stats;
  stats.record_log_line("streamcache-api",
                        "REPORT RequestId: 1\tDuration: 4.40 ms\tBilled Duration: 5 ms\tMemory "
                        "Size: 256 MB\tMax Memory Used: 4 MB\tInit Duration: 6.09 ms");
  stats.record_log_line("streamcache-api",
                        "REPORT RequestId: 2\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory "
                        "Size: 256 MB\tMax Memory Used: 4 MB");
  // The monitor's EMF (another function), as CloudWatch would read it: every named metric summed.
  const std::string emf =
      R"({"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"streamcache","Dimensions":[["FunctionName"]],)"
      R"("Metrics":[{"Name":"CacheEntriesChecked","Unit":"Count"},{"Name":"CacheEntriesInconsistent","Unit":"Count"}]}]},)"
      R"("FunctionName":"streamcache-monitor","CacheEntriesChecked":50,"CacheEntriesInconsistent":1})";
  stats.record_log_line("streamcache-monitor", emf);
  stats.record_log_line("streamcache-monitor", emf);
  stats.record_log_line("streamcache-monitor", R"({"level":"info","msg":"no _aws here"})");
  const json::Value s = stats.snapshot();
  const json::Value& api = at(s, {"functions", "streamcache-api"});
  EXPECT_EQ(number(api.find("invocations")), 2);
  EXPECT_EQ(number(api.find("coldStarts")), 1);
  ASSERT_EQ(api.find("initDurationsMs")->as_array().size(), 1U);
  EXPECT_NEAR(number(&api.find("initDurationsMs")->as_array()[0]), 6.09, 0.001);
  const json::Value& monitor = at(s, {"functions", "streamcache-monitor", "emf"});
  EXPECT_EQ(number(monitor.find("CacheEntriesChecked")), 100);
  EXPECT_EQ(number(monitor.find("CacheEntriesInconsistent")), 2);
}

TEST(LocalStats, StreamBatchesLagAndRedrivenFiles) {
  const fs::path dir = streamcache::testing::make_log_dir("local_stats");
  const fs::path on_failure = dir / "stream-on-failure.jsonl";
  std::ofstream(dir / "stream-on-failure.jsonl.redriven-20260101T000000") << "{}\n{}\n";
  std::ofstream(dir / "stream-on-failure.jsonl.previous-run-1") << "{}\n";  // not redriven
  LocalStats stats(on_failure);
  const auto t0 = LocalStats::Clock::now();
  stats.record_batch(BatchResult::delivered, 10, 250ms, t0);
  stats.record_batch(BatchResult::retried, 3, 900ms, t0);
  stats.record_batch(BatchResult::discarded, 3, 1200ms, t0 + 1s);
  const json::Value s = stats.snapshot(t0 + 1s);
  const json::Value& stream = at(s, {"stream"});
  EXPECT_EQ(number(stream.find("batches")), 3);
  EXPECT_EQ(number(stream.find("recordsDelivered")), 10);
  EXPECT_EQ(number(stream.find("retried")), 1);
  EXPECT_EQ(number(stream.find("failed")), 1);
  EXPECT_EQ(number(stream.find("recordsDiscarded")), 3);
  EXPECT_EQ(number(stream.find("redriven")), 2);
  EXPECT_EQ(number(stream.find("lagMs")), 1200);
  const auto& lag = stream.find("lagSeriesMs")->as_array();
  EXPECT_EQ(number(&lag[lag.size() - 2]), 900);  // the worst of its second
}

TEST(TraceTail, FollowsTheFileAndNestsSubsegments) {
  const fs::path dir = streamcache::testing::make_log_dir("trace_tail");
  const fs::path file = dir / "traces.jsonl";
  TraceTail tail(file);
  EXPECT_TRUE(tail.latest().as_array().empty());  // no file yet
  {
    std::ofstream out(file);
    out << R"({"id":"s1","trace_id":"1-a","name":"api","start_time":100.0,"end_time":100.010,)"
           R"("subsegments":[{"id":"c1","name":"DynamoDB","start_time":100.004,"end_time":100.008}]})"
        << "\nnot json\n"
        << R"({"id":"c0","trace_id":"1-a","parent_id":"s1","type":"subsegment","name":"Redis",)"
           R"("start_time":100.001,"end_time":100.002})"
        << "\n";
  }
  json::Value traces = tail.latest();
  ASSERT_EQ(traces.as_array().size(), 1U);
  const auto& spans = traces.as_array()[0].find("spans")->as_array();
  ASSERT_EQ(spans.size(), 3U);
  EXPECT_EQ(spans[0].get_string("name").value_or(""), "api");
  EXPECT_EQ(spans[1].get_string("name").value_or(""), "Redis");  // children by start time
  EXPECT_EQ(spans[2].get_string("name").value_or(""), "DynamoDB");
  EXPECT_EQ(spans[2].get_int("depth").value_or(-1), 1);
  EXPECT_NEAR(number(spans[2].find("startMs")), 4, 0.01);
  EXPECT_NEAR(number(traces.as_array()[0].find("durationMs")), 10, 0.01);
  // Appended later, half a line at a time: the newest trace comes first once its line is whole.
  std::ofstream(file, std::ios::app) << R"({"id":"s2","trace_id":"1-b","name":"api",)";
  EXPECT_EQ(tail.latest().as_array().size(), 1U);
  std::ofstream(file, std::ios::app) << R"("start_time":200.0,"end_time":200.5})"
                                     << "\n";
  traces = tail.latest();
  ASSERT_EQ(traces.as_array().size(), 2U);
  EXPECT_EQ(traces.as_array()[0].get_string("traceId").value_or(""), "1-b");
}

TEST(Dashboard, ServesThePageStatsAndRefusesOtherMethods) {
  LocalStats stats;
  TraceTail traces("/nonexistent/traces.jsonl");
  auto page = serve_dashboard("GET", "/_local", stats, traces);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/_local/assets/chart.umd.js"), std::string::npos);
  auto data = serve_dashboard("GET", "/_local/stats", stats, traces);
  ASSERT_EQ(data.status, 200);
  auto parsed = json::parse(data.body);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->find("traces")->is_array());
  EXPECT_EQ(serve_dashboard("GET", "/_local/assets/dashboard.js", stats, traces).status, 200);
  EXPECT_EQ(serve_dashboard("GET", "/_local/assets/chart.umd.js", stats, traces).status, 200);
  EXPECT_EQ(serve_dashboard("GET", "/_local/nope", stats, traces).status, 404);
  EXPECT_EQ(serve_dashboard("POST", "/_local/stats", stats, traces).status, 405);
}

}  // namespace
