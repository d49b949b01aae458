#include "local/host.h"

#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "json/json.h"
#include "local/http_gateway.h"
#include "local/local_stats.h"
#include "local/stream_mapping.h"
#include "local/table_setup.h"
#include "local/trace_tail.h"

namespace streamcache::local {

namespace asio = boost::asio;

struct LocalHost::Impl {
  explicit Impl(StackConfig c, LogSink& l) : config(std::move(c)), log(l) {}
  ~Impl() { stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Runs `fn` on the io thread and waits for its result.
  template <class Fn>
  auto on_io(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  InvokeResult invoke(FunctionPool& pool, std::string payload) {
    std::promise<InvokeResult> promise;
    auto result = promise.get_future();
    asio::co_spawn(
        io,
        [&pool, payload = std::move(payload), &promise]() mutable -> asio::awaitable<void> {
          promise.set_value(co_await pool.invoke(std::move(payload)));
        },
        asio::detached);
    return result.get();
  }

  std::string health() const {
    json::Value v = json::Object{};
    v.set("status", "ready");
    v.set("api", api_url);
    json::Value functions = json::Object{};
    for (const auto* pool : {api.get(), stream_handler.get(), monitor.get()}) {
      if (pool == nullptr) continue;
      const PoolStats s = pool->stats();
      json::Value f = json::Object{};
      f.set("instances", json::Value::integer(s.instances));
      f.set("busy", json::Value::integer(s.busy));
      f.set("coldStarts", json::Value::integer(s.cold_starts));
      f.set("invocations", json::Value::integer(s.invocations));
      functions.set(pool->function().name, std::move(f));
    }
    v.set("functions", std::move(functions));
    if (traces) {
      json::Value t = json::Object{};
      t.set("file", traces->file().string());
      t.set("daemonAddress", traces->address());
      t.set("recorded", json::Value::integer(traces->stats().recorded));
      t.set("dropped", json::Value::integer(traces->stats().dropped));
      v.set("traces", std::move(t));
    }
    if (mapping) {
      const MappingStats s = mapping->stats();
      json::Value m = json::Object{};
      m.set("streamArn", s.stream_arn);
      m.set("batches", json::Value::integer(s.batches));
      m.set("recordsDelivered", json::Value::integer(s.records_delivered));
      m.set("recordsDiscarded", json::Value::integer(s.records_discarded));
      m.set("retries", json::Value::integer(s.retries));
      v.set("eventSourceMapping", std::move(m));
    }
    return json::serialize(v);
  }

  // EventBridge's schedule, locally: one invocation every monitor_schedule, none overlapping.
  void start_monitor_schedule() {
    monitor_timer = std::make_unique<asio::steady_timer>(io);
    asio::co_spawn(
        io,
        [this]() -> asio::awaitable<void> {
          const std::string source = monitor->function().name;
          for (;;) {
            monitor_timer->expires_after(config.monitor_schedule);
            boost::system::error_code ec;
            co_await monitor_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;  // cancelled by stop()
            InvokeResult r = co_await monitor->invoke(R"({"source":"streamcache.local.schedule"})");
            log.line(source, r.status == InvokeResult::Status::ok
                                 ? "scheduled run: " + r.payload
                                 : "scheduled run failed: " + r.payload);
          }
        },
        asio::detached);
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    if (mapping) mapping->request_stop();
    if (io_thread.joinable()) {
      on_io([this] {
        if (gateway) gateway->stop();
        if (api) api->shutdown();  // pending invocations end when their instances exit
        if (stream_handler) stream_handler->shutdown();
        if (monitor_timer) monitor_timer->cancel();
        if (monitor) monitor->shutdown();
        if (traces) traces->stop();
        return 0;
      });
    }
    if (mapping) mapping->join();
    work.reset();
    io.stop();
    if (io_thread.joinable()) io_thread.join();
    log.set_observer({});
  }

  StackConfig config;
  LogSink& log;
  // What the dashboard (/_local) shows; the redrive's files sit beside the on-failure file.
  LocalStats stats{config.mapping.on_failure_file};
  TraceTail trace_tail{config.local.work_dir / "traces.jsonl"};
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<TraceReceiver> traces;  // before the pools, which point at it
  std::unique_ptr<FunctionPool> api;
  std::unique_ptr<FunctionPool> stream_handler;
  std::unique_ptr<FunctionPool> monitor;
  std::unique_ptr<asio::steady_timer> monitor_timer;
  std::unique_ptr<HttpGateway> gateway;
  std::unique_ptr<StreamMapping> mapping;
  std::string api_url;
  std::thread io_thread;
  bool stopped = false;
};

LocalHost::LocalHost(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LocalHost::~LocalHost() = default;

Expected<std::unique_ptr<LocalHost>, std::string> LocalHost::start(StackConfig config,
                                                                   LogSink& log) {
  auto impl = std::make_unique<Impl>(std::move(config), log);
  Impl& h = *impl;
  log.set_observer([&h](std::string_view source, std::string_view text) {
    h.stats.record_log_line(source, text);
  });
  const StackConfig& c = h.config;
  h.traces = std::make_unique<TraceReceiver>(h.io, c.local.work_dir / "traces.jsonl");
  if (auto opened = h.traces->open(); !opened) return unexpected(opened.error());
  h.traces->start();
  for (const auto* fn : {&c.api, &c.stream_handler, &c.monitor}) {
    if (!*fn) continue;
    auto code = prepare_code(**fn, c.local.work_dir);
    if (!code) return unexpected(std::move(code).error());
    auto pool = std::make_unique<FunctionPool>(h.io, **fn, std::move(*code), c, log);
    pool->enable_tracing(h.traces.get());
    (fn == &c.api              ? h.api
     : fn == &c.stream_handler ? h.stream_handler
                               : h.monitor) = std::move(pool);
  }
  if (h.api) {
    auto routes = RouteTable::build(c.http_api.routes);
    if (!routes) return unexpected("http_api.routes: " + routes.error());
    h.gateway = std::make_unique<HttpGateway>(
        h.io, c.http_api, std::move(*routes), h.api.get(), c.account_id, log,
        [&h] { return h.health(); }, &h.stats, &h.trace_tail);
    auto listening = h.gateway->listen();
    if (!listening) return unexpected(listening.error());
    h.api_url = "http://" + c.http_api.host + ":" + std::to_string(h.gateway->port());
    h.gateway->start();
  }
  if (h.stream_handler && c.mapping.create && c.mapping.enabled) {
    if (c.local.aws_endpoint_url.empty()) {
      return unexpected(std::string(
          "local.aws_endpoint_url is required for the event source mapping (the DynamoDB "
          "endpoint, e.g. http://127.0.0.1:4566)"));
    }
    aws::ClientConfig aws = local_aws_config(c);
    FunctionPool* pool = h.stream_handler.get();
    h.mapping = std::make_unique<StreamMapping>(
        c.mapping, std::move(aws), pool->arn(), c.local.stream_poll_interval,
        [&h, pool](std::string payload) { return h.invoke(*pool, std::move(payload)); }, log,
        &h.stats);
  }
  if (h.monitor) h.start_monitor_schedule();
  h.work.emplace(h.io.get_executor());
  h.io_thread = std::thread([&h] { h.io.run(); });
  if (h.mapping) h.mapping->start();
  return std::make_unique<LocalHost>(std::move(impl));
}

std::string LocalHost::api_url() const {
  return impl_->api_url;
}

InvokeResult LocalHost::invoke(const std::string& function_key, std::string payload) {
  FunctionPool* pool = function_key == "api"       ? impl_->api.get()
                       : function_key == "monitor" ? impl_->monitor.get()
                                                   : impl_->stream_handler.get();
  if (pool == nullptr) {
    InvokeResult r;
    r.status = InvokeResult::Status::function_error;
    r.error_type = "ResourceNotFoundException";
    r.payload = R"({"errorMessage":"no such function","errorType":"ResourceNotFoundException"})";
    return r;
  }
  return impl_->invoke(*pool, std::move(payload));
}

std::string LocalHost::health() const {
  return impl_->on_io([this] { return impl_->health(); });
}

void LocalHost::stop() {
  impl_->stop();
}

}  // namespace streamcache::local
