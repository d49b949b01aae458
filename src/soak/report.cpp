#include "soak/report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>

namespace streamcache::soak {

namespace {

bool is_api(OpKind kind) {
  return kind != OpKind::direct_put && kind != OpKind::direct_delete;
}

double percentile_ms(std::vector<long long> micros, double p) {
  if (micros.empty()) return 0;
  std::sort(micros.begin(), micros.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(micros.size() - 1) + 0.5);
  return static_cast<double>(micros[index]) / 1000.0;
}

std::string fixed(double value, int decimals = 1) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
  return text.data();
}

int api_kills(const SoakResult& result) {
  int kills = 0;
  for (const auto& f : result.faults)
    kills += f.api_instances_killed;
  return kills;
}

}  // namespace

Verdict judge(const SoakResult& result) {
  Verdict v;
  auto fail = [&](std::string why) {
    v.passed = false;
    v.reasons.push_back(std::move(why));
  };
  int server_errors = 0;
  int unanswered = 0;
  for (const auto& op : result.operations) {
    if (!is_api(op.kind)) continue;
    if (op.status == 0) ++unanswered;
    if (op.status >= 500 && op.status != 503) ++server_errors;
  }
  const int allowed = api_kills(result);
  if (server_errors > allowed) {
    fail(std::to_string(server_errors) + " API answers were 5xx other than 503 (" +
         std::to_string(allowed) + " allowed: one per API instance killed)");
  }
  if (unanswered > 0) fail(std::to_string(unanswered) + " API requests got no answer at all");
  if (!result.drain_error.empty()) fail("the stream did not drain: " + result.drain_error);
  if (!result.redrive_error.empty()) fail("redrive: " + result.redrive_error);
  if (result.require_redrive && result.redriven_batches == 0 && result.redrive_error.empty()) {
    fail("no batch reached the on-failure file, so redrive was not exercised");
  }
  if (!result.check_error.empty()) fail("the check could not run: " + result.check_error);
  if (result.convergence && !result.convergence->diverged.empty()) {
    fail(std::to_string(result.convergence->diverged.size()) + " item(s) diverged");
  }
  for (const auto& f : result.faults) {
    if (!f.injected) fail(std::string(to_string(f.fault.kind)) + " was not injected: " + f.detail);
  }
  return v;
}

std::string render(const SoakResult& result, const Verdict& verdict) {
  std::ostringstream out;
  out << "# soak report: seed " << result.seed << ", " << result.seconds << " s\n\n";

  std::map<OpKind, std::map<int, int>> by_status;
  std::map<OpKind, std::vector<long long>> latencies;
  std::map<std::string, int> cache_status;
  for (const auto& op : result.operations) {
    ++by_status[op.kind][op.status];
    latencies[op.kind].push_back(op.latency.count());
    if (op.kind == OpKind::get && op.status == 200) ++cache_status[op.cache_status];
  }
  out << "## Operations (" << result.operations.size() << ")\n\n"
      << "| operation | count | statuses | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n";
  for (const auto& [kind, statuses] : by_status) {
    int count = 0;
    std::string mix;
    for (const auto& [status, n] : statuses) {
      count += n;
      mix += (mix.empty() ? "" : ", ") +
             (status == 0 ? std::string("no answer") : std::to_string(status)) + ": " +
             std::to_string(n);
    }
    const auto& l = latencies[kind];
    out << "| " << to_string(kind) << " | " << count << " | " << mix << " | "
        << fixed(percentile_ms(l, 0.5)) << " | " << fixed(percentile_ms(l, 0.99)) << " | "
        << fixed(percentile_ms(l, 1.0)) << " |\n";
  }
  out << "\nCache-Status of GET 200s:\n";
  for (const auto& [status, n] : cache_status)
    out << "- `" << (status.empty() ? "(none)" : status) << "`: " << n << "\n";

  out << "\n## Faults (" << result.faults.size()
      << ")\n\n| at s | fault | for s | what happened |\n"
      << "|---|---|---|---|\n";
  for (const auto& f : result.faults) {
    out << "| " << fixed(static_cast<double>(f.fault.at.count()) / 1000.0) << " | "
        << to_string(f.fault.kind) << " | "
        << fixed(static_cast<double>(f.fault.duration.count()) / 1000.0) << " | "
        << (f.injected ? "" : "NOT INJECTED: ") << f.detail << " |\n";
  }
  // The 5xx answers other than 503, with their time, so they can be set against the kills.
  for (const auto& op : result.operations) {
    if (is_api(op.kind) && op.status >= 500 && op.status != 503) {
      out << "- " << to_string(op.kind) << " answered " << op.status << " at "
          << fixed(static_cast<double>(op.at.count()) / 1000.0) << " s: " << op.error << "\n";
    }
  }

  out << "\n## Stream\n\n";
  if (result.stream) {
    const auto& s = *result.stream;
    out << "- records in the stream: " << s.records_in_stream << "\n- delivered: " << s.delivered
        << "\n- sent to the on-failure destination: " << s.discarded << "\n- batches: " << s.batches
        << ", batches retried: " << s.retries
        << "\n- on-failure batches redriven: " << result.redriven_batches << "\n";
    if (s.delivered + s.discarded > s.records_in_stream) {
      out << "- note: the mapping counted " << s.delivered + s.discarded - s.records_in_stream
          << " record(s) more than the stream holds (delivered twice; replays are no-ops)\n";
    }
  }
  if (!result.drain_error.empty()) out << "- drain: " << result.drain_error << "\n";
  if (!result.redrive_error.empty()) out << "- redrive: " << result.redrive_error << "\n";

  out << "\n## Convergence\n\n";
  if (result.convergence) {
    const auto& c = *result.convergence;
    out << "- ids checked: " << c.ids_checked << " (live " << c.live << ", cached as hits "
        << c.cache_hits << ")\n- diverged: " << c.diverged.size() << "\n";
    for (const auto& d : c.diverged)
      out << "  - `" << d.id << "`: " << d.what << "\n";
  }
  if (!result.check_error.empty()) out << "- check: " << result.check_error << "\n";

  out << "\n## Verdict: " << (verdict.passed ? "PASS" : "FAIL") << "\n";
  for (const auto& r : verdict.reasons)
    out << "- " << r << "\n";
  out << "\nrepeat: --seed " << result.seed << " --seconds " << result.seconds << "\n";
  return out.str();
}

}  // namespace streamcache::soak
