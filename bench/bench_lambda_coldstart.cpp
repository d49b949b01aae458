// Cold starts of the packaged bootstraps (echo.zip, api.zip, stream-handler.zip, unzipped) against
// the in-test Runtime API: time from exec to the first /next request (init), time from exec to the
// first posted response, and peak RSS (wait4's ru_maxrss, and VmHWM since exec), over repeated
// fresh processes; plus every zip's size. The in-run baseline is the same spawn-and-reap of
// /bin/true, so the figures can be read against what process creation alone costs on this machine.
//
//   bench_lambda_coldstart [--runs=50] [--zip=a.zip ...]
// Without --zip: echo.zip, then api.zip and stream-handler.zip (their init reads the settings
// they require and connects to nothing); the first response of those is to a non-HTTP, non-stream
// payload, so it measures the runtime path, not a request. --benchmark_* flags are ignored.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lambda/runtime_api_server.h"
#include "support/wait.h"

extern char** environ;  // NOLINT: POSIX

namespace {

namespace fs = std::filesystem;
using streamcache::lambda::testing::Clock;
using streamcache::lambda::testing::QueuedInvocation;
using streamcache::lambda::testing::RuntimeApiServer;

constexpr double kInitGoalMs = 10.0;
constexpr double kRssGoalMb = 15.0;
constexpr double kZipGoalMb = 4.0;

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Stats {
  double median = 0;
  double p90 = 0;
  double min = 0;
  double max = 0;
};

Stats stats(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values[std::min(n - 1, n * 9 / 10)], values.front(), values.back()};
}

pid_t spawn(const std::string& program, const std::vector<std::string>& extra_env) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> env_strings(extra_env);
  for (char** e = environ; *e != nullptr; ++e)
    env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), nullptr};  // NOLINT: POSIX API
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// VmHWM: the peak RSS of the process's current address space, i.e. since exec. (ru_maxrss also
// counts the moments before exec, when the child still ran in the bench's own memory.)
double peak_rss_since_exec_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

bool unzip(const fs::path& zip, const fs::path& into) {
  const std::string command = std::string(STREAMCACHE_PYTHON) +
                              " -c 'import os,sys,zipfile\n"
                              "z=zipfile.ZipFile(sys.argv[1])\n"
                              "for i in z.infolist():\n"
                              "  p=z.extract(i,sys.argv[2]); m=(i.external_attr>>16)&0o777\n"
                              "  m and os.chmod(p,m)' '" +
                              zip.string() + "' '" + into.string() + "'";
  return std::system(command.c_str()) == 0;  // NOLINT: fixed command built from build paths
}

std::vector<fs::path> all_zips() {
  std::vector<fs::path> zips;
  std::stringstream list(STREAMCACHE_LAMBDA_ZIPS);
  for (std::string item; std::getline(list, item, ',');) {
    if (!item.empty()) zips.emplace_back(item);
  }
  return zips;
}

}  // namespace

// Cold starts of one zip's bootstrap; prints its figures. False when a run failed.
bool measure(const fs::path& zip, int runs) {
  char dir_template[] = "/tmp/streamcache-coldstart-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (dir == nullptr || !unzip(zip, dir)) {
    std::fprintf(stderr, "cannot unzip %s\n", zip.c_str());
    return false;
  }
  const std::string bootstrap = (fs::path(dir) / "bootstrap").string();

  RuntimeApiServer server;
  // The shipped functions' required settings (init validates them but connects to nothing).
  const std::vector<std::string> env = {"AWS_LAMBDA_RUNTIME_API=" + server.endpoint(),
                                        std::string("LAMBDA_TASK_ROOT=") + dir,
                                        "LOG_LEVEL=warn",
                                        "TABLE_NAME=bench",
                                        "REDIS_URL=redis://127.0.0.1:9",
                                        "AWS_REGION=us-east-1",
                                        "AWS_ACCESS_KEY_ID=bench",
                                        "AWS_SECRET_ACCESS_KEY=bench"};
  std::vector<double> init_ms, first_response_ms, rss_mb, hwm_mb, baseline_ms, baseline_rss_mb;
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    server.reset();
    const Clock::time_point start = Clock::now();
    const pid_t pid = spawn(bootstrap, env);
    if (pid < 0) return false;
    const auto first_next = server.wait_for_first_next(std::chrono::seconds(10));
    QueuedInvocation invocation;
    invocation.request_id = "cold-" + std::to_string(i);
    invocation.payload = R"({"hello":"bench"})";
    server.enqueue(invocation);
    const auto post = server.wait_for_post(invocation.request_id, std::chrono::seconds(10));
    // Back in /next: the whole first invocation is inside the peak RSS.
    streamcache::testing::wait_until([&] { return server.next_requests() >= 2; },
                                     std::chrono::seconds(10), std::chrono::milliseconds(1));
    const double hwm = peak_rss_since_exec_mb(pid);
    ::kill(pid, SIGKILL);
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    if (!first_next || !post) {
      ++failures;
      continue;
    }
    init_ms.push_back(ms(*first_next - start));
    first_response_ms.push_back(ms(post->at - start));
    rss_mb.push_back(static_cast<double>(usage.ru_maxrss) / 1024.0);
    hwm_mb.push_back(hwm);

    const Clock::time_point baseline_start = Clock::now();
    const pid_t baseline = spawn("/bin/true", {});
    rusage baseline_usage{};
    ::wait4(baseline, &status, 0, &baseline_usage);
    baseline_ms.push_back(ms(Clock::now() - baseline_start));
    baseline_rss_mb.push_back(static_cast<double>(baseline_usage.ru_maxrss) / 1024.0);
  }
  fs::remove_all(dir);

  const Stats init = stats(init_ms);
  const Stats response = stats(first_response_ms);
  const Stats rss = stats(rss_mb);
  const Stats hwm = stats(hwm_mb);
  const Stats base = stats(baseline_ms);
  const Stats base_rss = stats(baseline_rss_mb);
  std::printf("%s cold starts: %d runs (%d failed)\n", zip.filename().c_str(), runs, failures);
  std::printf("  %-34s %9s %9s %9s %9s\n", "", "median", "p90", "min", "max");
  std::printf("  %-34s %9.2f %9.2f %9.2f %9.2f  goal < %.0f ms: %s\n",
              "init: exec -> first /next (ms)", init.median, init.p90, init.min, init.max,
              kInitGoalMs, init.median < kInitGoalMs ? "met" : "MISSED");
  std::printf("  %-34s %9.2f %9.2f %9.2f %9.2f\n", "exec -> first response (ms)", response.median,
              response.p90, response.min, response.max);
  std::printf("  %-34s %9.2f %9.2f %9.2f %9.2f  goal < %.0f MB: %s\n",
              "peak RSS, wait4 ru_maxrss (MB)", rss.median, rss.p90, rss.min, rss.max, kRssGoalMb,
              rss.max < kRssGoalMb ? "met" : "MISSED");
  std::printf("  %-34s %9.2f %9.2f %9.2f %9.2f\n", "peak RSS since exec, VmHWM (MB)", hwm.median,
              hwm.p90, hwm.min, hwm.max);
  std::printf("  %-34s %9.2f %9.2f %9.2f %9.2f\n", "baseline: spawn+reap /bin/true (ms)",
              base.median, base.p90, base.min, base.max);
  std::printf("  %-34s %9.2f %9.2f %9.2f %9.2f\n", "baseline: /bin/true peak RSS (MB)",
              base_rss.median, base_rss.p90, base_rss.min, base_rss.max);
  return failures == 0;
}

int main(int argc, char** argv) {
  int runs = 50;
  std::vector<fs::path> zips;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--runs=", 0) == 0) runs = std::max(1, std::atoi(arg.c_str() + 7));
    if (arg.rfind("--zip=", 0) == 0) zips.emplace_back(arg.substr(6));
  }
  if (zips.empty()) {
    // The echo function (the runtime alone), then the shipped functions.
    if (fs::path echo = STREAMCACHE_ECHO_ZIP; !echo.empty() && fs::exists(echo)) {
      zips.push_back(echo);
    }
    for (const auto& zip : all_zips()) {
      const auto name = zip.filename().string();
      if ((name == "api.zip" || name == "stream-handler.zip") && fs::exists(zip)) {
        zips.push_back(zip);
      }
    }
  }
  if (zips.empty()) {
    std::printf("bench_lambda_coldstart: no zips (needs a non-sanitizer build)\n");
    return 0;
  }
  bool ok = true;
  for (const auto& zip : zips)
    ok = measure(zip, runs) && ok;
  std::printf("zips:\n");
  for (const auto& zip : all_zips()) {
    std::error_code ec;
    const auto bytes = fs::file_size(zip, ec);
    const double mb = ec ? 0.0 : static_cast<double>(bytes) / (1024.0 * 1024.0);
    std::printf("  %-34s %9.2f MB (%llu bytes)  goal < %.0f MB: %s\n", zip.filename().c_str(), mb,
                static_cast<unsigned long long>(ec ? 0 : bytes), kZipGoalMb,
                !ec && mb < kZipGoalMb ? "met" : "MISSED");
  }
  return ok ? 0 : 1;
}
