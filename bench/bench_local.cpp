// The local stack under load, started as `./dev run --detach` starts it (tools/local-stack.sh, on
// free ports, its own state directory), driven by wrk (apt's wrk 4.1):
//   baseline    GET /__streamcache/health: the gateway alone, no function invoked
//   cache hit   GET /items/{id} of a cached item: gateway → api bootstrap → Redis
//   write       PUT /items/{random id}: gateway → api bootstrap → DynamoDB (moto) → Redis
// and the cold starts' Init Duration from the REPORT lines the run produced.
//
//   bench_local [--seconds=5] [--connections=8]   (--benchmark_* flags are ignored)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"

namespace {

namespace fs = std::filesystem;
using streamcache::testing::run_shell;
using streamcache::testing::ShellResult;

struct WrkFigures {
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  long non_2xx = 0;
};

// wrk prints latencies as "1.23ms", "456.00us" or "1.02s".
double to_ms(const std::string& text) {
  std::size_t used = 0;
  const double v = std::stod(text, &used);
  const std::string unit = text.substr(used);
  if (unit == "us") return v / 1000.0;
  if (unit == "s") return v * 1000.0;
  return v;
}

// The whitespace-separated words after `label` on its line ("" when the label is absent).
std::vector<std::string> words_after(const std::string& output, const std::string& label) {
  const auto at = output.find(label);
  if (at == std::string::npos) return {};
  const auto end = output.find('\n', at);
  std::istringstream line(output.substr(at + label.size(), end - at - label.size()));
  std::vector<std::string> words;
  for (std::string w; line >> w;)
    words.push_back(w);
  return words;
}

std::optional<WrkFigures> parse_wrk(const std::string& output) {
  WrkFigures f;
  try {
    auto rps = words_after(output, "Requests/sec:");
    if (rps.empty()) return std::nullopt;
    f.requests_per_second = std::stod(rps[0]);
    if (auto p50 = words_after(output, "\n     50%"); !p50.empty()) f.p50_ms = to_ms(p50[0]);
    if (auto p99 = words_after(output, "\n     99%"); !p99.empty()) f.p99_ms = to_ms(p99[0]);
    if (auto n = words_after(output, "Non-2xx or 3xx responses:"); !n.empty()) {
      f.non_2xx = std::stol(n[0]);
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return f;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

class Stack {
 public:
  explicit Stack(fs::path dir) : dir_(std::move(dir)) {
    api_port_ = streamcache::testing::free_port();
    const ShellResult started = run_shell(
        "bash " + script() + " run --detach --seed 0 --api-port " + std::to_string(api_port_) +
        " --dynamodb-port " + std::to_string(streamcache::testing::free_port()) + " --redis-port " +
        std::to_string(streamcache::testing::free_port()) + " --state-dir " + dir_.string() +
        " --build-dir " + STREAMCACHE_BUILD_DIR);
    ok_ = started.status == 0;
    if (!ok_) std::fprintf(stderr, "the local stack did not start:\n%s\n", started.output.c_str());
  }
  ~Stack() { (void)run_shell("bash " + script() + " stop --state-dir " + dir_.string()); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }
  [[nodiscard]] fs::path log() const { return dir_ / "logs" / "local.log"; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  static std::string script() {
    return std::string(STREAMCACHE_SOURCE_DIR) + "/tools/local-stack.sh";
  }
  fs::path dir_;
  int api_port_ = 0;
  bool ok_ = false;
};

std::optional<WrkFigures> wrk(const std::string& args, const std::string& url) {
  const ShellResult r = run_shell("wrk --latency " + args + " " + url);
  auto figures = parse_wrk(r.output);
  if (!figures) std::fprintf(stderr, "wrk failed:\n%s\n", r.output.c_str());
  return figures;
}

void print(const char* name, const std::optional<WrkFigures>& f) {
  if (!f) {
    std::printf("  %-44s failed\n", name);
    return;
  }
  std::printf("  %-44s %9.0f req/s   p50 %7.2f ms   p99 %7.2f ms   non-2xx %ld\n", name,
              f->requests_per_second, f->p50_ms, f->p99_ms, f->non_2xx);
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  int connections = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--seconds=", 0) == 0) seconds = std::atoi(arg.c_str() + 10);
    if (arg.rfind("--connections=", 0) == 0) connections = std::atoi(arg.c_str() + 14);
  }
  if (run_shell("command -v wrk").status != 0) {
    std::fprintf(stderr, "bench_local: wrk is missing (./dev setup installs it)\n");
    return 1;
  }
  Stack stack(streamcache::testing::make_log_dir("bench_local"));
  if (!stack.ok()) return 1;

  // One cached item for the hit workload (PUT writes it through to Redis).
  const ShellResult put =
      run_shell("curl -sS -o /dev/null -w '%{http_code}' -X PUT " + stack.url() +
                "/items/bench-hit -H 'content-type: application/json' "
                "-d '{\"name\":\"bench\",\"price\":1.50}'");
  if (put.output.find("20") != 0) {
    std::fprintf(stderr, "could not create the hit item: %s\n", put.output.c_str());
    return 1;
  }
  const fs::path write_script = stack.dir() / "write.lua";
  std::ofstream(write_script)
      << "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n"
         "wrk.method = 'PUT'\n"
         "wrk.headers['content-type'] = 'application/json'\n"
         "wrk.body = '{\"name\":\"written by wrk\",\"price\":9.99,\"tags\":[\"bench\"]}'\n"
         "request = function()\n"
         "  return wrk.format(nil, '/items/w-' .. math.random(1, 1000000000))\n"
         "end\n";

  const std::string load =
      "-t2 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) + "s";
  // A short warm-up so the instances exist before the measured runs (cold starts are below).
  (void)wrk("-t2 -c" + std::to_string(connections) + " -d1s", stack.url() + "/items/bench-hit");
  const auto baseline = wrk(load, stack.url() + "/__streamcache/health");
  const auto hits = wrk(load, stack.url() + "/items/bench-hit");
  const auto writes = wrk(load + " -s " + write_script.string(), stack.url());

  std::vector<double> init_ms;
  std::ifstream log(stack.log());
  const std::string init = "Init Duration: ";
  for (std::string line; std::getline(log, line);) {
    if (const auto at = line.find(init); at != std::string::npos) {
      init_ms.push_back(std::atof(line.c_str() + at + init.size()));
    }
  }

  std::printf("\nlocal stack under wrk (%d connections, %d s each, release zips)\n", connections,
              seconds);
  print("baseline: gateway health (no function)", baseline);
  print("GET /items/{id}, cache hit", hits);
  print("PUT /items/{id}, new item (DynamoDB + Redis)", writes);
  std::printf("  %-44s %zu cold starts, median %.2f ms, max %.2f ms\n",
              "Init Duration (REPORT lines)", init_ms.size(), median(init_ms),
              init_ms.empty() ? 0.0 : *std::max_element(init_ms.begin(), init_ms.end()));
  if (baseline && hits && baseline->requests_per_second > 0) {
    std::printf("  %-44s %.2f (function hop + Redis cost)\n", "cache-hit req/s / baseline req/s",
                hits->requests_per_second / baseline->requests_per_second);
  }
  return baseline && hits && writes ? 0 : 1;
}
