// The packaged stream handler against a typical Node.js one (bench/node-peer: util-dynamodb
// unmarshall + an ioredis pipeline of plain SET/DEL), on the same 1000-record DynamoDB Streams
// batch, under the same Runtime API emulator, against one redis-server; and against what Redis
// itself does with the same script: redis-benchmark's pipelined EVALSHA, in the same run.
//
// Every runtime gets its own instance of the tests' Runtime API server (one shared queue could not
// say who takes an invocation). An invocation is timed from the moment it is queued (the runtime
// is already waiting in /next) to the moment its /response arrives; Redis is flushed before each,
// outside the timing, so every batch does the full work. The emulator's own cost per batch is the
// same timing with a client that reads the event and posts a fixed answer (NullRuntime); it is
// taken off the handlers' figures ("net"). Runtimes take turns round by round (the order rotates),
// and every figure is the median of the rounds' medians, because this machine's speed drifts.
// Beside wall clock: each handler process's CPU time and redis-server's per batch, which other load
// on a shared machine moves much less. docs/bench.md says how to read the output.
//
//   bench_stream_peers [--rounds=9] [--per-round=15] [--warmup=40] [--node=PATH] [--bootstrap=PATH]
// Without node, or without bench/node-peer/node_modules (./dev bench installs it), the Node rows
// are skipped with a note. --benchmark_* flags are ignored.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "cache/item_protocol.h"
#include "cache/redis_connection.h"
#include "lambda/runtime_api_server.h"
#include "stream_peers/event.h"
#include "stream_peers/null_runtime.h"
#include "support/process.h"
#include "support/servers.h"

namespace {

namespace fs = std::filesystem;
using namespace streamcache;
using lambda::testing::Clock;
using lambda::testing::Post;
using lambda::testing::QueuedInvocation;
using lambda::testing::RuntimeApiServer;

constexpr int kRecords = 1000;
constexpr double kNodeRatioGoal = 5.0;
constexpr double kEvalshaRatioGoal = 0.5;
constexpr std::string_view kEmptyBatchResponse = R"({"batchItemFailures":[]})";

// utime + stime of a process so far (clock ticks, 10 ms); 0 when it cannot be read.
double process_cpu_ms(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field && i <= 15; ++i) {
    if (i == 14 || i == 15) ticks += std::atof(field.c_str());  // utime, stime
  }
  return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int port_of(const std::string& endpoint) {
  return std::atoi(endpoint.substr(endpoint.rfind(':') + 1).c_str());
}

// One runtime under test: its own emulator and whatever answers it (a process or NullRuntime).
struct Runtime {
  std::string name;
  std::unique_ptr<RuntimeApiServer> server = std::make_unique<RuntimeApiServer>();
  std::unique_ptr<testing::Process> process;
  std::unique_ptr<bench::NullRuntime> null_runtime;
  std::vector<double> round_medians;  // ms per batch
  int invocations = 0;
  // CPU time over the timed rounds: wall-clock figures move with other load on the machine, CPU
  // time much less.
  double process_cpu_ms = 0;
  double redis_cpu_ms = 0;
  int timed = 0;
};

class Bench {
 public:
  Bench() : log_dir_(testing::make_log_dir("bench_stream_peers")) {
    cache::ConnectionOptions options;
    options.endpoint.host = "127.0.0.1";
    options.endpoint.port = static_cast<std::uint16_t>(redis_.port());
    options.command_timeout = std::chrono::seconds(10);
    auto connection = cache::RedisConnection::create(options);
    if (!connection) throw std::runtime_error("cannot set up a redis connection");
    redis_connection_ = std::make_unique<cache::RedisConnection>(std::move(*connection));
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    first_version_ = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    event_ = bench::stream_batch_event(
        {kRecords, first_version_, std::chrono::duration_cast<std::chrono::seconds>(now).count()});
  }

  [[nodiscard]] std::string redis_url() const { return redis_.url(); }
  [[nodiscard]] const fs::path& log_dir() const { return log_dir_; }
  [[nodiscard]] std::size_t event_bytes() const { return event_.size(); }

  void start_null(Runtime& runtime) {
    runtime.null_runtime = std::make_unique<bench::NullRuntime>(port_of(runtime.server->endpoint()),
                                                                std::string(kEmptyBatchResponse));
  }

  void start_process(Runtime& runtime, std::vector<std::string> argv,
                     std::map<std::string, std::string> env, const std::string& log_name) {
    env["AWS_LAMBDA_RUNTIME_API"] = runtime.server->endpoint();
    runtime.process = std::make_unique<testing::Process>(
        testing::Process::Options{std::move(argv), log_dir_ / log_name, std::move(env), {}});
    if (!runtime.server->wait_for_first_next(std::chrono::seconds(20))) {
      throw std::runtime_error(runtime.name +
                               " did not reach /next; log: " + runtime.process->log_tail(2000));
    }
  }

  // One batch through `runtime`, after a flush; ms from queueing to its /response.
  double invoke(Runtime& runtime) {
    flush();
    runtime.server->reset();
    QueuedInvocation invocation;
    invocation.request_id = "batch-" + std::to_string(++runtime.invocations);
    invocation.payload = event_;
    const Clock::time_point start = Clock::now();
    runtime.server->enqueue(std::move(invocation));
    const auto post = runtime.server->wait_for_post("batch-" + std::to_string(runtime.invocations),
                                                    std::chrono::seconds(30));
    if (!post) throw std::runtime_error(runtime.name + ": no answer within 30 s");
    if (post->kind != Post::Kind::response || post->body != kEmptyBatchResponse) {
      throw std::runtime_error(runtime.name + " answered: " + post->body.substr(0, 300));
    }
    return std::chrono::duration<double, std::milli>(post->at - start).count();
  }

  // redis-server's own CPU time so far (INFO cpu: used_cpu_user + used_cpu_sys, in µs steps).
  double redis_cpu_ms() {
    auto reply = redis_connection_->command({"INFO", "cpu"});
    if (!reply) return 0;
    double total = 0;
    for (const char* field : {"used_cpu_user:", "used_cpu_sys:"}) {
      if (const auto at = reply->str.find(field); at != std::string::npos) {
        total += std::atof(reply->str.c_str() + at + std::strlen(field));
      }
    }
    return total * 1000.0;
  }

  long long keys() {
    auto reply = redis_connection_->command({"DBSIZE"});
    return reply ? static_cast<long long>(reply->integer) : -1;
  }

  // redis-benchmark on one connection, 1000 EVALSHA of the handler's own script per round trip,
  // each on a random key (fresh after the flush, so nearly every one writes) with an item entry
  // of the batch's size. Requests per second; 0 when it could not run.
  double evalsha_rate() {
    flush();
    auto loaded = redis_connection_->command({"SCRIPT", "LOAD", cache::kSetIfNewerScript});
    if (!loaded || loaded->str != cache::set_if_newer_sha()) return 0;
    const auto header = cache::encode_header(cache::EntryKind::item, first_version_);
    const std::string entry =
        std::string(header.data(), header.size()) + bench::item_body(kRecords / 2, first_version_);
    const std::string command = "redis-benchmark -h 127.0.0.1 -p " + std::to_string(redis_.port()) +
                                " -c 1 -P 1000 -n 100000 -r 100000000 -q EVALSHA " +
                                cache::set_if_newer_sha() + " 1 'item:{__rand_int__}' '" + entry +
                                "' 3600000 2>&1";
    const auto result = testing::run_shell(command);
    flush();  // now, or the next runtime's Redis CPU would include dropping these keys
    const auto at = result.output.rfind(" requests per second");
    if (result.status != 0 || at == std::string::npos) {
      std::fprintf(stderr, "redis-benchmark failed: %s\n", result.output.c_str());
      return 0;
    }
    const auto begin = result.output.rfind(' ', at - 1);
    return std::atof(result.output.c_str() + begin + 1);
  }

 private:
  void flush() {
    if (!redis_connection_->command({"FLUSHALL"})) throw std::runtime_error("FLUSHALL failed");
  }

  fs::path log_dir_;
  testing::RedisServer redis_;
  std::unique_ptr<cache::RedisConnection> redis_connection_;
  std::int64_t first_version_ = 0;
  std::string event_;
};

// Unzips the packaged function (the very bytes that ship) into `into`.
bool unzip(const fs::path& zip, const fs::path& into) {
  const auto result = testing::run_shell(
      "python3 -c 'import os,sys,zipfile\n"
      "z=zipfile.ZipFile(sys.argv[1])\n"
      "for i in z.infolist():\n"
      "  p=z.extract(i,sys.argv[2]); m=(i.external_attr>>16)&0o777\n"
      "  m and os.chmod(p,m)' '" +
      zip.string() + "' '" + into.string() + "'");
  return result.status == 0;
}

std::string node_skip_reason(const std::optional<fs::path>& node, const fs::path& peer_dir) {
  if (!node || !fs::exists(*node)) return "node not found";
  if (!fs::exists(peer_dir / "node_modules" / "ioredis")) {
    return peer_dir.string() + "/node_modules missing (./dev bench installs it with npm ci)";
  }
  return {};
}

struct Options {
  int rounds = 9;
  int per_round = 15;
  int warmup = 40;
  std::string node = "node";
  std::string bootstrap;  // instead of the zip's (an unstripped build to profile, another branch's)
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--rounds=", 0) == 0) options.rounds = std::max(1, std::atoi(arg.c_str() + 9));
    if (arg.rfind("--per-round=", 0) == 0) {
      options.per_round = std::max(1, std::atoi(arg.c_str() + 12));
    }
    if (arg.rfind("--warmup=", 0) == 0) options.warmup = std::max(1, std::atoi(arg.c_str() + 9));
    if (arg.rfind("--node=", 0) == 0) options.node = arg.substr(7);
    if (arg.rfind("--bootstrap=", 0) == 0) options.bootstrap = arg.substr(12);
  }
  return options;
}

int run(const Options& options) {
  Bench bench;
  const fs::path unzipped = bench.log_dir() / "stream-handler";
  if (!unzip(STREAMCACHE_STREAM_HANDLER_ZIP, unzipped)) {
    std::fprintf(stderr, "cannot unzip %s\n", STREAMCACHE_STREAM_HANDLER_ZIP);
    return 1;
  }
  const fs::path peer_dir = fs::path(STREAMCACHE_SOURCE_DIR) / "bench" / "node-peer";
  const auto node = testing::find_program(options.node);
  const std::string skip = node_skip_reason(node, peer_dir);

  std::vector<std::unique_ptr<Runtime>> runtimes;
  auto add = [&](std::string name) -> Runtime& {
    runtimes.push_back(std::make_unique<Runtime>());
    runtimes.back()->name = std::move(name);
    return *runtimes.back();
  };
  Runtime& emulator = add("emulator round trip (no handler)");
  bench.start_null(emulator);
  Runtime& cpp = add(options.bootstrap.empty() ? "C++ stream-handler.zip bootstrap"
                                               : "C++ bootstrap of --bootstrap");
  const std::string bootstrap =
      options.bootstrap.empty() ? (unzipped / "bootstrap").string() : options.bootstrap;
  bench.start_process(cpp, {bootstrap},
                      {{"LAMBDA_TASK_ROOT", unzipped.string()},
                       {"LOG_LEVEL", "warn"},
                       {"TABLE_NAME", "bench"},
                       {"REDIS_URL", bench.redis_url()},
                       {"AWS_LAMBDA_FUNCTION_NAME", "stream-handler"},
                       {"AWS_REGION", "us-east-1"},
                       {"AWS_ACCESS_KEY_ID", "bench"},
                       {"AWS_SECRET_ACCESS_KEY", "bench"}},
                      "stream-handler.log");
  Runtime* node_noop = nullptr;
  Runtime* node_peer = nullptr;
  Runtime* node_same = nullptr;
  std::string node_version;
  if (skip.empty()) {
    node_version = testing::run_shell("'" + node->string() + "' --version").output;
    while (!node_version.empty() && std::isspace(static_cast<unsigned char>(node_version.back())))
      node_version.pop_back();
    const std::vector<std::string> argv = {node->string(), (peer_dir / "runtime.mjs").string()};
    node_noop = &add("Node " + node_version + " no-op handler");
    // The module's client connects at import in both (idle here): the same process, less the work.
    bench.start_process(*node_noop, argv, {{"HANDLER", "noop"}, {"REDIS_URL", bench.redis_url()}},
                        "node-noop.log");
    node_peer = &add("Node " + node_version + " peer (unmarshall+ioredis)");
    bench.start_process(*node_peer, argv,
                        {{"HANDLER", "handler"}, {"REDIS_URL", bench.redis_url()}},
                        "node-peer.log");
    node_same = &add("Node " + node_version + " same protocol (EVALSHA)");
    bench.start_process(*node_same, argv,
                        {{"HANDLER", "versioned"},
                         {"REDIS_URL", bench.redis_url()},
                         {"SET_IF_NEWER_SCRIPT", std::string(cache::kSetIfNewerScript)}},
                        "node-same-protocol.log");
  }

  std::printf(
      "bench_stream_peers: %d-record DynamoDB Streams batch (%.0f KB), %d rounds x %d "
      "invocations per runtime after %d warm-up ones; Redis flushed before each\n",
      kRecords, static_cast<double>(bench.event_bytes()) / 1024.0, options.rounds,
      options.per_round, options.warmup);
  if (!skip.empty()) std::printf("  skip: the Node.js peer (%s)\n", skip.c_str());
  for (auto& runtime : runtimes) {
    for (int i = 0; i < options.warmup; ++i)
      bench.invoke(*runtime);
    std::printf("  after one batch of %-40s %lld keys in Redis\n", (runtime->name + ":").c_str(),
                bench.keys());
  }

  std::vector<double> evalsha_rates;
  for (int round = 0; round < options.rounds; ++round) {
    for (std::size_t k = 0; k < runtimes.size(); ++k) {
      Runtime& runtime = *runtimes[(k + static_cast<std::size_t>(round)) % runtimes.size()];
      std::vector<double> samples;
      const pid_t pid = runtime.process ? runtime.process->pid() : ::getpid();
      const double cpu_before = process_cpu_ms(pid);
      const double redis_before = bench.redis_cpu_ms();
      for (int i = 0; i < options.per_round; ++i)
        samples.push_back(bench.invoke(runtime));
      runtime.redis_cpu_ms += bench.redis_cpu_ms() - redis_before;
      runtime.process_cpu_ms += process_cpu_ms(pid) - cpu_before;
      runtime.timed += options.per_round;
      runtime.round_medians.push_back(median(std::move(samples)));
    }
    if (const double rate = bench.evalsha_rate(); rate > 0) evalsha_rates.push_back(rate);
  }

  const double emulator_ms = median(emulator.round_medians);
  auto net = [&](const Runtime& r) { return median(r.round_medians) - emulator_ms; };
  // best: the fastest round's median, the figure least disturbed by other load on the machine.
  std::printf("  %-44s %9s %9s %9s %14s\n", "ms per 1000-record batch (median of rounds)", "gross",
              "best", "net", "records/s net");
  for (const auto& runtime : runtimes) {
    const double gross = median(runtime->round_medians);
    const double best =
        *std::min_element(runtime->round_medians.begin(), runtime->round_medians.end());
    if (runtime.get() == &emulator) {
      std::printf("  %-44s %9.3f %9.3f %9s %14s\n", runtime->name.c_str(), gross, best, "-", "-");
      continue;
    }
    std::printf("  %-44s %9.3f %9.3f %9.3f %14.0f\n", runtime->name.c_str(), gross, best,
                net(*runtime), kRecords / net(*runtime) * 1000.0);
  }
  // For the emulator row the process is the bench itself (its emulator threads and client).
  std::printf("  %-44s %9s %9s %9s\n", "CPU ms per batch (all timed rounds)", "process", "redis",
              "sum");
  auto cpu = [](const Runtime& r) { return r.process_cpu_ms / std::max(1, r.timed); };
  auto redis_cpu = [](const Runtime& r) { return r.redis_cpu_ms / std::max(1, r.timed); };
  for (const auto& runtime : runtimes) {
    std::printf("  %-44s %9.2f %9.2f %9.2f\n", runtime->name.c_str(), cpu(*runtime),
                redis_cpu(*runtime), cpu(*runtime) + redis_cpu(*runtime));
  }
  if (node_peer != nullptr) {
    std::printf(
        "  CPU ratio Node peer / C++ (process + redis-server): %.2f; processes alone: %.2f\n",
        (cpu(*node_peer) + redis_cpu(*node_peer)) / (cpu(cpp) + redis_cpu(cpp)),
        cpu(*node_peer) / cpu(cpp));
    const double ratio = net(*node_peer) / net(cpp);
    std::printf(
        "  ratio Node peer / C++ (net ms, = C++ records/s over Node's): %.2f  goal >= %.0f: "
        "%s\n",
        ratio, kNodeRatioGoal, ratio >= kNodeRatioGoal ? "met" : "MISSED");
    std::printf("  ratio Node same protocol / C++ (net ms, the same Redis work): %.2f\n",
                net(*node_same) / net(cpp));
  }
  const double evalsha = median(evalsha_rates);
  if (evalsha > 0) {
    const double handler_rate = kRecords / net(cpp) * 1000.0;
    const double gross_rate = kRecords / median(cpp.round_medians) * 1000.0;
    std::printf("  redis-benchmark EVALSHA set-if-newer, -c 1 -P 1000 (median of %zu): %.0f/s\n",
                evalsha_rates.size(), evalsha);
    std::printf("  ratio C++ handler / EVALSHA: %.2f net, %.2f gross  goal >= %.1f (net): %s\n",
                handler_rate / evalsha, gross_rate / evalsha, kEvalshaRatioGoal,
                handler_rate / evalsha >= kEvalshaRatioGoal ? "met" : "MISSED");
  } else {
    std::printf("  skip: redis-benchmark EVALSHA rate (redis-benchmark missing or failed)\n");
  }
  // redis-server's CPU per batch under the C++ handler is the script's own cost: the handler and
  // Redis run one after the other today, so overlapping them is the only way below their sum.
  {
    const double floor_ms = redis_cpu(cpp);
    std::printf(
        "  redis-server CPU per batch (the script's cost, no handler goes below it): %.2f ms; "
        "C++ net / that: %.2f",
        floor_ms, net(cpp) / floor_ms);
    if (node_peer != nullptr)
      std::printf("; Node peer net / that (the best ratio reachable): %.2f",
                  net(*node_peer) / floor_ms);
    std::printf("\n");
  }
  runtimes.clear();  // the processes first: the bootstrap runs from `unzipped`
  fs::remove_all(unzipped);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_stream_peers: %s\n", e.what());
    return 1;
  }
}
