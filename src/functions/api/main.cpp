// The items API function: API Gateway (v2, v1) and Function URL events in, HTTP responses out.
#include <chrono>
#include <memory>

#include "items/adapters.h"
#include "items/api.h"
#include "items/clients.h"
#include "items/metrics.h"
#include "lambda/runtime.h"

namespace {

using namespace streamcache;

struct State {
  std::unique_ptr<items::Clients> clients;
  items::DynamoItemStore store;
  items::RedisItemCache cache;
  items::ItemsApi api;

  explicit State(std::unique_ptr<items::Clients> c)
      : clients(std::move(c)),
        store(clients->dynamodb, clients->config.table_name),
        cache(*clients->cache, clients->tracer.get()),
        api(store, &cache, items::ApiOptions{clients->config.write_through, {}}) {}
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main() {
  return lambda::run_with_init([]() -> Expected<lambda::Handler, lambda::ErrorInfo> {
    auto clients = items::create_clients(process_env());
    if (!clients) return unexpected(lambda::ErrorInfo{clients.error(), "Runtime.ConfigInvalid"});
    auto state = std::make_shared<State>(std::move(*clients));
    return lambda::Handler([state](const lambda::Invocation& invocation) {
      const tracing::InvocationScope traced(*state->clients->tracer, invocation.trace_id);
      state->api.stats() = {};
      const auto budget = Deadline::after(items::answer_budget(invocation.remaining_time()));
      std::string response = state->api.handle_event(invocation.payload, budget);
      const items::ApiStats& s = state->api.stats();
      items::write_stdout_line(
          items::emf_line(state->clients->function_name, now_ms(),
                          {{"CacheHits", static_cast<double>(s.cache_hits)},
                           {"CacheMisses", static_cast<double>(s.cache_misses)},
                           {"CacheFills", static_cast<double>(s.cache_fills)},
                           {"StaleFillsRejected", static_cast<double>(s.stale_fills)},
                           {"CacheErrors", static_cast<double>(s.cache_errors)},
                           {"DynamoDbLatency", s.dynamodb_ms, "Milliseconds"}}));
      return lambda::Response::success(std::move(response));
    });
  });
}
