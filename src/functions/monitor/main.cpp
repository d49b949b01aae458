// The consistency monitor (docs/monitor.md), run on a schedule: samples cached entries, judges
// them against consistent reads of the table, and reports CacheEntriesChecked and
// CacheEntriesInconsistent as EMF metrics plus one ERROR log line per inconsistent entry.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "items/adapters.h"
#include "items/clients.h"
#include "items/metrics.h"
#include "items/monitor.h"
#include "items/monitor_sampler.h"
#include "items/stream.h"
#include "lambda/runtime.h"

namespace {

using namespace streamcache;

struct State {
  std::unique_ptr<items::Clients> clients;
  items::MonitorOptions options;
  items::DynamoItemStore store;
  items::RedisCacheSampler sampler;

  State(std::unique_ptr<items::Clients> c, items::MonitorOptions o)
      : clients(std::move(c)),
        options(o),
        store(clients->dynamodb, clients->config.table_name),
        sampler(*clients->cache) {}
};

std::string summary_json(const items::MonitorReport& report) {
  return "{\"sampled\":" + std::to_string(report.sampled) +
         ",\"checked\":" + std::to_string(report.checked) +
         ",\"lagging\":" + std::to_string(report.lagging) +
         ",\"unresolved\":" + std::to_string(report.unresolved) +
         ",\"inconsistent\":" + std::to_string(report.inconsistent.size()) +
         ",\"errors\":" + std::to_string(report.errors.size()) + "}";
}

}  // namespace

int main() {
  return lambda::run_with_init([]() -> Expected<lambda::Handler, lambda::ErrorInfo> {
    auto options = items::load_monitor_options(process_env());
    if (!options) return unexpected(lambda::ErrorInfo{options.error(), "Runtime.ConfigInvalid"});
    auto clients = items::create_clients(process_env());
    if (!clients) return unexpected(lambda::ErrorInfo{clients.error(), "Runtime.ConfigInvalid"});
    auto state = std::make_shared<State>(std::move(*clients), *options);
    return lambda::Handler([state](const lambda::Invocation& invocation) {
      const Deadline deadline = items::invocation_budget(invocation.remaining_time());
      // The grace window is real time: stream records in flight land meanwhile.
      const auto report = items::check_cache_consistency(
          state->sampler, state->store, state->options,
          [](std::chrono::seconds grace) { std::this_thread::sleep_for(grace); }, deadline);
      for (const auto& found : report.inconsistent)
        items::log_inconsistency(logging::process_logger(), found);
      for (const auto& error : report.errors)
        lambda::log(lambda::LogLevel::warn, "monitor run partial", {{"error", error}});
      if (report.unresolved > 0) {
        lambda::log(lambda::LogLevel::warn,
                    "lagging entries left unchecked: the timeout must exceed the grace window",
                    {{"unresolved", std::to_string(report.unresolved)}});
      }
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      items::write_stdout_line(items::emf_line(
          state->clients->function_name,
          std::chrono::duration_cast<std::chrono::milliseconds>(now).count(),
          {{"CacheEntriesChecked", static_cast<double>(report.checked)},
           {"CacheEntriesInconsistent", static_cast<double>(report.inconsistent.size())},
           {"CacheEntriesLagging", static_cast<double>(report.lagging)},
           {"CacheEntriesUnresolved", static_cast<double>(report.unresolved)},
           {"MonitorErrors", static_cast<double>(report.errors.size())}}));
      // Nothing checked because the cache or the table failed: an error, so Lambda's Errors
      // metric shows a monitor that cannot see.
      if (report.checked == 0 && !report.errors.empty()) {
        return lambda::Response::failure(report.errors.front(), "Streamcache.MonitorFailed");
      }
      return lambda::Response::success(summary_json(report));
    });
  });
}
