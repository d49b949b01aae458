#include "local/function_pool.h"

#include <cinttypes>
#include <cstdio>
#include <system_error>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <sys/random.h>
#include <unistd.h>

#include "json/json.h"
#include "local/child_process.h"
#include "local/http_api_event.h"
#include "local/runtime_api_server.h"
#include "tracing/segment.h"
#include "tracing/trace_header.h"

namespace streamcache::local {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

std::string error_json(std::string_view message, std::string_view type) {
  json::Value v = json::Object{};
  v.set("errorMessage", message);
  v.set("errorType", type);
  return json::serialize(v);
}

double to_ms(std::chrono::nanoseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Forwards one pipe of the child, line by line, with the function's name in front.
asio::awaitable<void> forward_lines(asio::posix::stream_descriptor pipe, std::string source,
                                    LogSink& log) {
  std::string buffer;
  while (true) {
    auto [ec, n] = co_await asio::async_read_until(pipe, asio::dynamic_buffer(buffer), '\n', kUse);
    if (ec) break;
    log.line(source, std::string_view(buffer).substr(0, n - 1));
    buffer.erase(0, n);
  }
  if (!buffer.empty()) log.line(source, buffer);
}

}  // namespace

std::string report_line(const std::string& request_id, std::chrono::nanoseconds duration,
                        int memory_size_mb, long max_memory_used_mb,
                        std::optional<std::chrono::nanoseconds> init_duration) {
  const auto billed = (duration.count() + 999'999) / 1'000'000;
  char buffer[320];
  int n = std::snprintf(buffer, sizeof buffer,
                        "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %" PRId64
                        " ms\tMemory Size: %d MB\tMax Memory Used: %ld MB",
                        request_id.c_str(), to_ms(duration), static_cast<std::int64_t>(billed),
                        memory_size_mb, max_memory_used_mb);
  std::string out(buffer, static_cast<std::size_t>(std::max(n, 0)));
  if (init_duration) {
    n = std::snprintf(buffer, sizeof buffer, "\tInit Duration: %.2f ms", to_ms(*init_duration));
    out.append(buffer, static_cast<std::size_t>(std::max(n, 0)));
  }
  return out;
}

Expected<FunctionCode, std::string> prepare_code(const FunctionConfig& function,
                                                 const std::filesystem::path& work_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path& code = function.code;
  FunctionCode out;
  if (fs::is_directory(code, ec)) {
    out.task_root = code;
    out.bootstrap = code / "bootstrap";
  } else if (code.extension() == ".zip") {
    if (!fs::is_regular_file(code, ec)) {
      return unexpected(function.name + ": " + code.string() +
                        " does not exist (build it: ./dev package, or cmake --build ... "
                        "--target package_zips)");
    }
    out.task_root = fs::absolute(work_dir / "functions" / function.name);
    fs::remove_all(out.task_root, ec);
    fs::create_directories(out.task_root, ec);
    if (ec) return unexpected(function.name + ": cannot create " + out.task_root.string());
    auto rc = run_to_completion({"unzip", "-o", "-q", code.string(), "-d", out.task_root.string()});
    if (!rc) return unexpected(function.name + ": cannot run unzip (" + rc.error() + ")");
    if (*rc != 0) {
      return unexpected(function.name + ": unzip " + code.string() + " failed with exit code " +
                        std::to_string(*rc));
    }
    out.bootstrap = out.task_root / "bootstrap";
  } else {
    out.task_root = code.parent_path();
    out.bootstrap = code;
  }
  if (!fs::is_regular_file(out.bootstrap, ec) || ::access(out.bootstrap.c_str(), X_OK) != 0) {
    return unexpected(function.name + ": " + out.bootstrap.string() +
                      " is not an executable bootstrap");
  }
  return out;
}

// One invocation in flight.
struct FunctionPool::Pending {
  std::string request_id;
  std::string payload;
  std::string trace_id;
  std::optional<Clock::time_point> delivered;
  std::chrono::system_clock::time_point deadline;
  std::optional<InvokeResult> result;
  AsyncEvent done;
};

class FunctionPool::Instance : public RuntimeApiHandler,
                               public std::enable_shared_from_this<Instance> {
 public:
  enum class State { idle, busy, dead };

  Instance(FunctionPool& pool, int id, tcp::acceptor acceptor)
      : pool_(pool), id_(id), acceptor_(std::move(acceptor)) {}

  Expected<void, std::string> start() {
    const auto port = acceptor_.local_endpoint().port();
    auto child = ChildProcess::spawn(
        {pool_.code_.bootstrap, pool_.environment(port, id_), pool_.code_.task_root});
    if (!child) return unexpected(std::move(child).error());
    process_ = std::move(*child);
    spawned_ = Clock::now();
    auto& io = pool_.io_;
    const std::string& name = pool_.function_.name;
    asio::co_spawn(io,
                   forward_lines(asio::posix::stream_descriptor(io, process_.release_stdout()),
                                 name, pool_.log_),
                   asio::detached);
    asio::co_spawn(io,
                   forward_lines(asio::posix::stream_descriptor(io, process_.release_stderr()),
                                 name, pool_.log_),
                   asio::detached);
    asio::co_spawn(io, watch_exit(shared_from_this()), asio::detached);
    asio::co_spawn(io, serve_runtime_api(acceptor_, shared_from_this()), asio::detached);
    return {};
  }

  // RuntimeApiHandler
  asio::awaitable<std::optional<NextInvocation>> next() override {
    auto self = shared_from_this();  // the sandbox outlives this request
    if (!init_duration_) init_duration_ = Clock::now() - spawned_;
    while (true) {
      if (state_ == State::dead) co_return std::nullopt;
      if (current_ && !current_->delivered && !current_->result) break;
      co_await work_.wait();
    }
    Pending& p = *current_;
    p.delivered = Clock::now();
    p.deadline = std::chrono::system_clock::now() + pool_.function_.timeout;
    p.done.notify_all();  // the invoker now counts the function's timeout
    NextInvocation next{p.request_id, p.payload, epoch_ms(p.deadline), pool_.arn(), p.trace_id};
    co_return next;
  }

  PostAnswer on_response(const std::string& request_id, std::string body) override {
    if (!matches(request_id)) return invalid_request_id();
    InvokeResult r;
    r.request_id = request_id;
    if (body.size() > kMaxPayloadBytes) {
      r.status = InvokeResult::Status::function_error;
      r.error_type = "Function.ResponseSizeTooLarge";
      r.payload = error_json("Response payload size (" + std::to_string(body.size()) +
                                 " bytes) exceeded maximum allowed payload size (6291556 bytes).",
                             r.error_type);
      finish(std::move(r));
      return {413, error_json("Exceeded maximum allowed payload size (6291556 bytes).",
                              "RequestEntityTooLarge")};
    }
    r.payload = std::move(body);
    finish(std::move(r));
    return {};
  }

  PostAnswer on_error(const std::string& request_id, std::string body,
                      std::string error_type) override {
    if (!matches(request_id)) return invalid_request_id();
    InvokeResult r;
    r.request_id = request_id;
    r.status = InvokeResult::Status::function_error;
    r.error_type = error_type.empty() ? "Unhandled" : std::move(error_type);
    r.payload = json::parse(body) ? std::move(body) : error_json(body, r.error_type);
    finish(std::move(r));
    return {};
  }

  PostAnswer on_init_error(std::string body, std::string error_type) override {
    if (error_type.empty()) error_type = "Runtime.InitError";
    pool_.log_.line(pool_.function_.name,
                    "INIT_REPORT Init Duration: " +
                        std::to_string(to_ms(Clock::now() - spawned_)).substr(0, 8) +
                        " ms\tPhase: init\tStatus: error\tError Type: " + error_type);
    if (current_ && !current_->result) {
      InvokeResult r;
      r.request_id = current_->request_id;
      r.status = InvokeResult::Status::function_error;
      r.error_type = error_type;
      r.payload = json::parse(body) ? std::move(body) : error_json(body, error_type);
      finish(std::move(r));
    }
    kill();  // Lambda discards a sandbox whose init failed
    return {};
  }

  void assign(const std::shared_ptr<Pending>& pending) {
    state_ = State::busy;
    current_ = pending;
    cold_ = !init_duration_ && !served_any_;
    work_.notify_all();
  }

  // After the invoker saw the result: ready for the next one, unless the sandbox died.
  void release() {
    current_.reset();
    served_any_ = true;
    if (state_ != State::dead) state_ = State::idle;
    last_used_ = Clock::now();
  }

  void kill() {
    if (state_ == State::dead) return;
    state_ = State::dead;
    process_.kill();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    work_.notify_all();
  }

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] Clock::time_point last_used() const { return last_used_; }
  [[nodiscard]] Clock::time_point spawned() const { return spawned_; }
  [[nodiscard]] bool cold() const { return cold_; }
  [[nodiscard]] std::optional<std::chrono::nanoseconds> init_duration() const {
    return init_duration_;
  }
  [[nodiscard]] long peak_memory_mb() const { return process_.peak_memory_mb(); }

 private:
  bool matches(const std::string& request_id) const {
    return current_ && current_->request_id == request_id && current_->delivered &&
           !current_->result;
  }
  static PostAnswer invalid_request_id() {
    return {400, error_json("Invalid request ID", "InvalidRequestID")};
  }
  void finish(InvokeResult result) {
    current_->result = std::move(result);
    current_->done.notify_all();
  }

  // The pidfd becomes readable when the child exits (crash, exit, or our kill).
  static asio::awaitable<void> watch_exit(std::shared_ptr<Instance> self) {
    asio::posix::stream_descriptor pidfd(self->pool_.io_, self->process_.release_pidfd());
    co_await pidfd.async_wait(asio::posix::stream_descriptor::wait_read, kUse);
    const auto status = self->process_.try_reap();
    const bool expected = self->state_ == State::dead;
    self->state_ = State::dead;
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->work_.notify_all();
    const std::string how = status ? describe_exit(*status) : "unknown status";
    if (!expected) {
      self->pool_.log_.line(self->pool_.function_.name,
                            "instance " + std::to_string(self->id_) + " exited: " + how);
    }
    {
      if (self->current_ && !self->current_->result) {
        InvokeResult r;
        r.request_id = self->current_->request_id;
        r.status = InvokeResult::Status::function_error;
        r.error_type = "Runtime.ExitError";
        r.payload =
            error_json("RequestId: " + r.request_id + " Error: Runtime exited with error: " + how,
                       r.error_type);
        self->finish(std::move(r));
      }
    }
    self->pool_.on_instance_gone(*self);
  }

  FunctionPool& pool_;
  int id_;
  tcp::acceptor acceptor_;
  ChildProcess process_;
  State state_ = State::busy;  // a new instance is spawned for an invocation
  Clock::time_point spawned_{};
  Clock::time_point last_used_{};
  std::optional<std::chrono::nanoseconds> init_duration_;
  bool served_any_ = false;
  bool cold_ = false;
  std::shared_ptr<Pending> current_;
  AsyncEvent work_;
};

FunctionPool::FunctionPool(asio::io_context& io, FunctionConfig function, FunctionCode code,
                           const StackConfig& stack, LogSink& log)
    : io_(io),
      function_(std::move(function)),
      code_(std::move(code)),
      region_(stack.region),
      account_id_(stack.account_id),
      local_(stack.local),
      log_(log) {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
    seed = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  }
  random_.seed(seed);
}

FunctionPool::~FunctionPool() {
  shutdown();
}

std::string FunctionPool::arn() const {
  return "arn:aws:lambda:" + region_ + ":" + account_id_ + ":function:" + function_.name;
}

std::string FunctionPool::new_request_id() {
  const std::uint64_t a = random_();
  const std::uint64_t b = random_();
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buffer;
}

std::vector<std::string> FunctionPool::environment(int runtime_api_port, int instance_id) const {
  std::map<std::string, std::string> env = function_.environment;
  const std::string root = code_.task_root.string();
  env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(runtime_api_port);
  env["AWS_LAMBDA_FUNCTION_NAME"] = function_.name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(function_.memory_size);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + function_.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = "local/[$LATEST]" + std::to_string(instance_id);
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_REGION"] = region_;
  env["AWS_DEFAULT_REGION"] = region_;
  env["AWS_ACCESS_KEY_ID"] = local_.access_key_id;
  env["AWS_SECRET_ACCESS_KEY"] = local_.secret_access_key;
  if (!local_.session_token.empty()) env["AWS_SESSION_TOKEN"] = local_.session_token;
  env["LAMBDA_TASK_ROOT"] = root;
  env["LAMBDA_RUNTIME_DIR"] = root;
  env["_HANDLER"] = function_.handler;
  env["TZ"] = ":UTC";
  env["LANG"] = "en_US.UTF-8";
  env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  env["LD_LIBRARY_PATH"] = root + "/lib:" + root;
  // Sanitizer builds of a bootstrap keep their settings.
  if (traces_ != nullptr) {  // what Lambda sets when active tracing is on
    env["AWS_XRAY_DAEMON_ADDRESS"] = traces_->address();
    env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR";
  }
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env)
    out.push_back(k + "=" + v);
  return out;
}

Expected<std::shared_ptr<FunctionPool::Instance>, std::string> FunctionPool::spawn() {
  tcp::acceptor acceptor(io_);
  boost::system::error_code ec;
  acceptor.open(tcp::v4(), ec);
  if (!ec) acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unexpected("cannot open a Runtime API port: " + ec.message());
  auto instance = std::make_shared<Instance>(*this, next_instance_id_++, std::move(acceptor));
  auto started = instance->start();
  if (!started) return unexpected(code_.bootstrap.string() + ": " + started.error());
  instances_.push_back(instance);
  ++cold_starts_;
  return instance;
}

std::shared_ptr<FunctionPool::Instance> FunctionPool::take_idle() {
  std::shared_ptr<Instance> best;
  for (const auto& i : instances_) {
    if (i->state() == Instance::State::idle && (!best || i->last_used() > best->last_used())) {
      best = i;  // the most recently used one is the warmest
    }
  }
  return best;
}

void FunctionPool::on_instance_gone(Instance& instance) {
  std::erase_if(instances_, [&](const auto& i) { return i.get() == &instance; });
  freed_.notify_all();
}

namespace {

// The function segment the pool creates for a traced invocation, as Lambda does in Active mode.
struct FunctionTrace {
  std::string root;
  std::string upstream_parent;  // the caller's segment, when it sent one
  std::string segment_id;
  bool sampled = false;
  std::chrono::system_clock::time_point start;
};

}  // namespace

asio::awaitable<InvokeResult> FunctionPool::invoke(std::string payload, std::string trace_id,
                                                   InvokeMode mode) {
  auto pending = std::make_shared<Pending>();
  pending->request_id = new_request_id();
  std::optional<FunctionTrace> trace;
  if (traces_ != nullptr) {
    // The caller's decision when it made one (Sampled=1 or 0), else the configured rate.
    const tracing::TraceHeader incoming = tracing::parse_trace_header(trace_id);
    FunctionTrace t;
    const bool decided = trace_id.find("Sampled=") != std::string::npos;
    t.root = tracing::is_trace_id(incoming.root)
                 ? std::string(incoming.root)
                 : tracing::new_trace_id(std::chrono::system_clock::now());
    t.upstream_parent = tracing::is_segment_id(incoming.parent) ? std::string(incoming.parent) : "";
    t.sampled = decided ? incoming.sampled
                        : static_cast<int>(random_() % 100) < local_.trace_sampling_percent;
    t.segment_id = tracing::new_segment_id();
    t.start = std::chrono::system_clock::now();
    pending->trace_id = tracing::format_trace_header(t.root, t.segment_id, t.sampled);
    trace = std::move(t);
  } else {
    pending->trace_id = std::move(trace_id);
  }
  InvokeResult failure;
  failure.request_id = pending->request_id;
  if (payload.size() > kMaxPayloadBytes) {
    failure.status = InvokeResult::Status::payload_too_large;
    failure.error_type = "RequestEntityTooLargeException";
    failure.payload = error_json(
        "Request must be smaller than 6291456 bytes for the "
        "InvokeFunction operation",
        failure.error_type);
    co_return failure;
  }
  pending->payload = std::move(payload);

  // A warm instance, else a new one up to the limit, else throttle or wait (see InvokeMode).
  // local.max_concurrency only protects this machine, so it never throttles: callers wait.
  const int limit = function_.concurrency_limit(local_.max_concurrency);
  const bool throttle_when_full =
      mode == InvokeMode::synchronous && function_.reserved_concurrency >= 0;
  const auto give_up = Clock::now() + function_.timeout;
  std::shared_ptr<Instance> instance;
  while (!instance) {
    if (shutting_down_) {
      failure.status = InvokeResult::Status::function_error;
      failure.error_type = "ServiceUnavailable";
      failure.payload = error_json("the local host is shutting down", failure.error_type);
      co_return failure;
    }
    instance = take_idle();
    if (instance) break;
    if (static_cast<int>(instances_.size()) < limit) {
      auto spawned = spawn();
      if (!spawned) {
        log_.line(function_.name, "cannot start an instance: " + spawned.error());
        failure.status = InvokeResult::Status::function_error;
        failure.error_type = "Runtime.InvalidEntrypoint";
        failure.payload = error_json(spawned.error(), failure.error_type);
        co_return failure;
      }
      instance = std::move(*spawned);
      break;
    }
    if (throttle_when_full) {
      log_.line(function_.name, "throttled: all " + std::to_string(limit) +
                                    " reserved instances are busy (TooManyRequestsException)");
      failure.status = InvokeResult::Status::throttled;
      failure.error_type = "TooManyRequestsException";
      failure.payload = error_json("Rate Exceeded.", failure.error_type);
      co_return failure;
    }
    co_await freed_.wait_until(give_up);
    if (Clock::now() >= give_up) {
      failure.status = InvokeResult::Status::throttled;
      failure.error_type = "TooManyRequestsException";
      failure.payload = error_json("Rate Exceeded.", failure.error_type);
      co_return failure;
    }
  }
  ++invocations_;
  instance->assign(pending);
  log_.line(function_.name, "START RequestId: " + pending->request_id + " Version: $LATEST");

  // A warm instance may not be back at /next yet: its clock starts now, not at its spawn.
  const auto assigned = Clock::now();
  const bool initializing = instance->cold();
  while (!pending->result) {
    const auto limit_at = pending->delivered ? *pending->delivered + function_.timeout
                          : initializing     ? instance->spawned() + local_.init_timeout
                                             : assigned + function_.timeout;
    co_await pending->done.wait_until(limit_at);
    if (pending->result) break;
    if (instance->state() == Instance::State::dead && !pending->delivered) {
      // Died during init without saying why (the exit watcher fills in the result first).
      InvokeResult r = failure;
      r.status = InvokeResult::Status::function_error;
      r.error_type = "Runtime.ExitError";
      r.payload = error_json("Runtime exited during init", r.error_type);
      pending->result = std::move(r);
      break;
    }
    if (Clock::now() >= limit_at) {
      InvokeResult r = failure;
      const bool init = !pending->delivered && initializing;
      const double seconds = init ? std::chrono::duration<double>(local_.init_timeout).count()
                                  : std::chrono::duration<double>(function_.timeout).count();
      char text[128];
      std::snprintf(text, sizeof text, "RequestId: %s Error: %s timed out after %.2f seconds",
                    pending->request_id.c_str(), init ? "Init" : "Task", seconds);
      r.status = InvokeResult::Status::timed_out;
      r.error_type = "Sandbox.Timedout";
      r.payload = error_json(text, r.error_type);
      log_.line(function_.name, text);
      pending->result = std::move(r);
      instance->kill();  // Lambda discards the sandbox of a timed-out invocation
      break;
    }
  }
  InvokeResult result = std::move(*pending->result);
  result.cold_start = instance->cold();
  const auto end = Clock::now();
  const auto duration = pending->delivered ? end - *pending->delivered : Clock::duration{0};
  log_.line(function_.name, "END RequestId: " + pending->request_id);
  log_.line(
      function_.name,
      report_line(pending->request_id, duration, function_.memory_size, instance->peak_memory_mb(),
                  result.cold_start ? instance->init_duration() : std::nullopt));
  if (trace && trace->sampled) {
    tracing::Segment segment;
    segment.name = function_.name;
    segment.id = trace->segment_id;
    segment.trace_id = trace->root;
    segment.parent_id = trace->upstream_parent;
    segment.subsegment = false;
    segment.origin = "AWS::Lambda::Function";
    segment.start_time = tracing::epoch_seconds(trace->start);
    segment.end_time = tracing::epoch_seconds(std::chrono::system_clock::now());
    segment.fault = result.status != InvokeResult::Status::ok;
    if (segment.fault) segment.cause = result.error_type;
    segment.annotations.push_back({"cold_start", result.cold_start});
    segment.metadata = {{"request_id", result.request_id}, {"function_arn", arn()}};
    traces_->record(tracing::segment_document(segment));
  }
  instance->release();
  freed_.notify_all();
  co_return result;
}

void FunctionPool::shutdown() {
  shutting_down_ = true;
  for (const auto& i : instances_)
    i->kill();
  freed_.notify_all();
}

PoolStats FunctionPool::stats() const {
  PoolStats s;
  s.instances = static_cast<int>(instances_.size());
  for (const auto& i : instances_)
    s.busy += i->state() == Instance::State::busy ? 1 : 0;
  s.cold_starts = cold_starts_;
  s.invocations = invocations_;
  return s;
}

}  // namespace streamcache::local
