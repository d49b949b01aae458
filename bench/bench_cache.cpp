// The item cache against its own redis-server, each figure beside a redis-benchmark baseline
// taken in the same run on the same server:
//   single get (hit) latency  vs  a bare GET of the same key (our client, and redis-benchmark -c 1)
//   pipelined batches of 1000 apply_if_newer  vs  redis-benchmark pipelined EVALSHA of the script
// Goals (issue 3): get <= 1.3x a bare GET round trip; batch >= 0.5x redis-benchmark EVALSHA.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "cache/item_cache.h"
#include "support/servers.h"

namespace {

using streamcache::cache::CacheOp;
using streamcache::cache::CommandBuffer;
using streamcache::cache::ItemCache;
using streamcache::cache::RedisConnection;
using streamcache::cache::Reply;
using streamcache::cache::Version;
using Clock = std::chrono::steady_clock;

constexpr int kBatchSize = 1000;
constexpr const char* kHitId = "bench-hit";

// A JSON body of a typical small item (~200 bytes).
std::string sample_body(int n) {
  return R"({"id":"item-)" + std::to_string(n) +
         R"(","name":"A typical item","price":1999,"tags":["red","small","sale"],)"
         R"("description":"Some text so the body has the size of a real item in the table."})";
}

double median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Baseline {
  double requests_per_second = 0;
  double p50_us = 0;
};

// Runs redis-benchmark with --csv and reads its last result line.
std::optional<Baseline> redis_benchmark(int port, const std::string& args) {
  const std::string command =
      "redis-benchmark -h 127.0.0.1 -p " + std::to_string(port) + " --csv " + args + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get()))
    output.append(buffer, n);
  std::optional<Baseline> result;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
    std::vector<std::string> fields;
    std::string field;
    std::istringstream cells(line);
    while (std::getline(cells, field, ',')) {
      fields.push_back(field.size() >= 2 ? field.substr(1, field.size() - 2) : field);
    }
    // The test name may hold commas (it echoes the command): count the 7 numbers from the end.
    const std::size_t n = fields.size();
    if (n < 8 || fields[n - 7] == "rps") continue;
    try {
      result = Baseline{std::stod(fields[n - 7]), std::stod(fields[n - 4]) * 1000.0};
    } catch (const std::exception&) {
      continue;
    }
  }
  return result;
}

struct Figures {
  double get_p50_us = 0;
  double bare_get_p50_us = 0;
  double paired_get_p50_us = 0;  // alternating with a bare GET: the fair ratio
  double paired_bare_p50_us = 0;
  double batch_apply_ops = 0;   // every op writes (newer versions)
  double batch_replay_ops = 0;  // every op is stale (a replayed batch)
};

class Context {
 public:
  explicit Context(int port) : port_(port) {
    auto cache = ItemCache::create(options());
    auto raw = RedisConnection::create(options());
    if (!cache || !raw) throw std::runtime_error("cannot create the cache or connection");
    cache_ = std::make_unique<ItemCache>(std::move(*cache));
    raw_ = std::make_unique<RedisConnection>(std::move(*raw));
    for (int i = 0; i < kBatchSize; ++i) {
      ids_.push_back(std::string("bench-").append(std::to_string(i)));
      bodies_.push_back(sample_body(i));
    }
    if (!cache_->apply_if_newer(kHitId, 1, sample_body(0))) {
      throw std::runtime_error("cannot write the hit item");
    }
  }

  void get_hit(benchmark::State& state) {
    std::vector<double> samples;
    for (auto _ : state) {
      const auto start = Clock::now();
      auto result = cache_->get(kHitId);
      samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (!result || result->status != streamcache::cache::GetResult::Status::hit) {
        state.SkipWithError("get did not hit");
        return;
      }
      benchmark::DoNotOptimize(result);
    }
    figures.get_p50_us = median(std::move(samples));
    state.counters["p50_us"] = figures.get_p50_us;
  }

  // The same key through the same client, as a plain GET: the round trip with nothing added.
  void bare_get(benchmark::State& state) {
    CommandBuffer command;
    command.add({"GET", streamcache::cache::item_key(kHitId)});
    std::vector<Reply> replies;
    std::vector<double> samples;
    for (auto _ : state) {
      const auto start = Clock::now();
      auto done = raw_->pipeline(command, replies);
      samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (!done || replies.front().type != Reply::Type::string) {
        state.SkipWithError("GET failed");
        return;
      }
      benchmark::DoNotOptimize(replies);
    }
    figures.bare_get_p50_us = median(std::move(samples));
    state.counters["p50_us"] = figures.bare_get_p50_us;
  }

  // get and bare GET alternating in one loop, so load from other processes hits both alike: the
  // ratio printed at the end comes from here.
  void paired(benchmark::State& state) {
    CommandBuffer command;
    command.add({"GET", streamcache::cache::item_key(kHitId)});
    std::vector<Reply> replies;
    std::vector<double> gets, bare;
    for (auto _ : state) {
      auto start = Clock::now();
      auto result = cache_->get(kHitId);
      auto middle = Clock::now();
      auto done = raw_->pipeline(command, replies);
      auto end = Clock::now();
      if (!result || !done) {
        state.SkipWithError("get failed");
        return;
      }
      gets.push_back(std::chrono::duration<double, std::micro>(middle - start).count());
      bare.push_back(std::chrono::duration<double, std::micro>(end - middle).count());
    }
    figures.paired_get_p50_us = median(std::move(gets));
    figures.paired_bare_p50_us = median(std::move(bare));
    state.counters["get_p50_us"] = figures.paired_get_p50_us;
    state.counters["bare_get_p50_us"] = figures.paired_bare_p50_us;
  }

  void batch(benchmark::State& state, bool replay) {
    std::vector<CacheOp> ops(kBatchSize);
    streamcache::cache::BatchResults results;
    std::int64_t done_ops = 0;
    Clock::duration elapsed{};
    for (auto _ : state) {
      if (!replay) ++version_;  // every op newer: each one writes
      for (int i = 0; i < kBatchSize; ++i) {
        ops[i] = CacheOp::apply_if_newer(ids_[i], version_, bodies_[i]);
      }
      const auto start = Clock::now();
      cache_->execute(ops, results);
      elapsed += Clock::now() - start;
      if (!results.front() || !results.back()) {
        state.SkipWithError("batch failed");
        return;
      }
      done_ops += kBatchSize;
    }
    state.SetItemsProcessed(done_ops);
    const double ops_per_second =
        static_cast<double>(done_ops) / std::chrono::duration<double>(elapsed).count();
    (replay ? figures.batch_replay_ops : figures.batch_apply_ops) = ops_per_second;
  }

  [[nodiscard]] int port() const { return port_; }
  Figures figures;

 private:
  [[nodiscard]] streamcache::cache::ConnectionOptions options() const {
    streamcache::cache::ConnectionOptions options;
    options.endpoint.host = "127.0.0.1";
    options.endpoint.port = static_cast<std::uint16_t>(port_);
    options.command_timeout = std::chrono::seconds(10);
    return options;
  }

  int port_;
  std::unique_ptr<ItemCache> cache_;
  std::unique_ptr<RedisConnection> raw_;
  std::vector<std::string> ids_;
  std::vector<std::string> bodies_;
  Version version_ = 1000;
};

void print_ratio(const char* what, double ours, double theirs, const char* goal) {
  if (ours <= 0 || theirs <= 0) {
    std::printf("  %-58s n/a (a benchmark was filtered out or failed)\n", what);
    return;
  }
  std::printf("  %-58s %.2f  (%s)\n", what, ours / theirs, goal);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  streamcache::testing::RedisServer server;
  Context context(server.port());
  benchmark::RegisterBenchmark("cache/get_hit", [&](benchmark::State& s) {
    context.get_hit(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("redis/bare_get_same_key", [&](benchmark::State& s) {
    context.bare_get(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("paired/get_then_bare_get", [&](benchmark::State& s) {
    context.paired(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("cache/batch_1000_apply_if_newer/applied", [&](benchmark::State& s) {
    context.batch(s, false);
  })->UseRealTime();
  benchmark::RegisterBenchmark("cache/batch_1000_apply_if_newer/stale_replay",
                               [&](benchmark::State& s) { context.batch(s, true); })
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();

  // Baselines: the same key for GET; for EVALSHA our own script (loaded by the cache) with
  // arguments of the same sizes, over 1000 keys, version 1: after the first touch every call is
  // a stale no-op, like the stale replay batch above.
  const std::string hit_key = streamcache::cache::item_key(kHitId);
  const auto header = streamcache::cache::encode_header(streamcache::cache::EntryKind::item, 1);
  const std::string value = std::string(header.data(), header.size()) + sample_body(0);
  const std::string evalsha = "evalsha " + streamcache::cache::set_if_newer_sha() +
                              " 1 item:{rb-__rand_int__} " + shell_quote(value) + " 3600000";
  const auto rb_get = redis_benchmark(context.port(), "-c 1 -n 100000 get " + hit_key);
  const auto rb_get_t = redis_benchmark(context.port(), "-c 1 -n 100000 -t get");
  const auto rb_eval_1 =
      redis_benchmark(context.port(), "-c 1 -P 1000 -n 200000 -r 1000 " + evalsha);
  const auto rb_eval_50 =
      redis_benchmark(context.port(), "-c 50 -P 100 -n 200000 -r 1000 " + evalsha);

  const Figures& f = context.figures;
  std::printf("\nredis-benchmark baselines (same server, same run)\n");
  auto show = [](const char* name, const std::optional<Baseline>& b) {
    if (b) {
      std::printf("  %-58s %12.0f req/s  p50 %7.1f us\n", name, b->requests_per_second, b->p50_us);
    } else {
      std::printf("  %-58s failed (is redis-benchmark installed?)\n", name);
    }
  };
  show("GET same key, -c 1 (latency)", rb_get);
  show("GET -t get, -c 1", rb_get_t);
  show("EVALSHA set-if-newer, -c 1 -P 1000", rb_eval_1);
  show("EVALSHA set-if-newer, -c 50 -P 100", rb_eval_50);

  std::printf("\nstreamcache figures\n");
  std::printf("  %-58s p50 %7.1f us\n", "ItemCache::get (hit)", f.get_p50_us);
  std::printf("  %-58s p50 %7.1f us\n", "bare GET, same key, same client", f.bare_get_p50_us);
  std::printf("  %-58s p50 %7.1f us / %.1f us\n", "alternating get / bare GET", f.paired_get_p50_us,
              f.paired_bare_p50_us);
  std::printf("  %-58s %12.0f ops/s\n", "batch of 1000 apply_if_newer, all applied",
              f.batch_apply_ops);
  std::printf("  %-58s %12.0f ops/s\n", "batch of 1000 apply_if_newer, all stale (replay)",
              f.batch_replay_ops);

  std::printf("\nratios\n");
  print_ratio("get p50 / bare GET p50 (same client, alternating)", f.paired_get_p50_us,
              f.paired_bare_p50_us, "goal <= 1.3");
  print_ratio("get p50 / redis-benchmark GET p50 (-c 1)", f.get_p50_us, rb_get ? rb_get->p50_us : 0,
              "goal <= 1.3");
  print_ratio("stale batch ops/s / redis-benchmark EVALSHA -c 1 -P 1000", f.batch_replay_ops,
              rb_eval_1 ? rb_eval_1->requests_per_second : 0, "goal >= 0.5");
  print_ratio("stale batch ops/s / redis-benchmark EVALSHA -c 50 -P 100", f.batch_replay_ops,
              rb_eval_50 ? rb_eval_50->requests_per_second : 0, "goal >= 0.5");
  print_ratio("applied batch ops/s / redis-benchmark EVALSHA -c 1 -P 1000", f.batch_apply_ops,
              rb_eval_1 ? rb_eval_1->requests_per_second : 0, "heavier: every op writes");
  benchmark::Shutdown();
  return 0;
}
