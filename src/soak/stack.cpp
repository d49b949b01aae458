#include "soak/stack.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/deadline.h"

extern char** environ;  // NOLINT: posix_spawn's environment

namespace streamcache::soak {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool alive(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// "export NAME=value" lines, as tools/local-stack.sh writes them (values are never quoted).
std::map<std::string, std::string> parse_env(const std::string& text) {
  std::map<std::string, std::string> env;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("export ", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    env[line.substr(7, eq - 7)] = line.substr(eq + 1);
  }
  return env;
}

// Every descendant thread's children of `pid`: the function instances streamcache-local forked.
std::vector<pid_t> children(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::istringstream list(read_text(task.path() / "children"));
    pid_t child = 0;
    while (list >> child)
      out.push_back(child);
  }
  return out;
}

std::string environment_variable(pid_t pid, const std::string& name) {
  const std::string environ_text = read_text("/proc/" + std::to_string(pid) + "/environ");
  const std::string prefix = name + "=";
  std::size_t start = 0;
  while (start < environ_text.size()) {
    std::size_t end = environ_text.find('\0', start);
    if (end == std::string::npos) end = environ_text.size();
    if (environ_text.compare(start, prefix.size(), prefix) == 0) {
      return environ_text.substr(start + prefix.size(), end - start - prefix.size());
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

Expected<LocalStack, std::string> LocalStack::open(const fs::path& state_dir) {
  const fs::path env_file = state_dir / "stack.env";
  if (!fs::exists(env_file)) {
    return unexpected(env_file.string() + " is missing: is a local stack running there?");
  }
  LocalStack stack(state_dir, parse_env(read_text(env_file)));
  for (const char* name : {"API_URL", "AWS_ENDPOINT_URL", "REDIS_URL", "TABLE_NAME"}) {
    if (stack.env(name).empty()) return unexpected(env_file.string() + " has no " + name);
  }
  for (const char* service : {"redis", "moto", "local"}) {
    if (!stack.pid(service)) {
      return unexpected(std::string("the stack's ") + service + " process is not running (" +
                        (state_dir / (std::string(service) + ".pid")).string() + ")");
    }
  }
  return stack;
}

std::string LocalStack::env(const std::string& name) const {
  auto it = env_.find(name);
  return it == env_.end() ? std::string() : it->second;
}

std::vector<std::string> LocalStack::environment() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : env_)
    out.push_back(name + "=" + value);
  return out;
}

fs::path LocalStack::on_failure_file() const {
  return state_dir_ / "stream-on-failure.jsonl";
}

std::optional<pid_t> LocalStack::pid(const std::string& service) const {
  const std::string text = read_text(state_dir_ / (service + ".pid"));
  if (text.empty()) return std::nullopt;
  const auto value = static_cast<pid_t>(std::strtol(text.c_str(), nullptr, 10));
  if (!alive(value)) return std::nullopt;
  return value;
}

Expected<void, std::string> LocalStack::stop(const std::string& service) {
  auto p = pid(service);
  if (!p) return unexpected(service + " is not running");
  if (::kill(*p, SIGSTOP) != 0) return unexpected(errno_text("SIGSTOP " + service));
  return {};
}

Expected<void, std::string> LocalStack::resume(const std::string& service) {
  auto p = pid(service);
  if (!p) return unexpected(service + " is not running");
  if (::kill(*p, SIGCONT) != 0) return unexpected(errno_text("SIGCONT " + service));
  return {};
}

Expected<void, std::string> LocalStack::kill_redis() {
  auto p = pid("redis");
  if (!p) return unexpected("redis is not running");
  if (::kill(*p, SIGKILL) != 0) return unexpected(errno_text("SIGKILL redis"));
  // local-stack.sh's subshell started it, so it is not our child: wait for it to be gone.
  const Deadline gone = Deadline::after(std::chrono::seconds(10));
  while (alive(*p) && !gone.expired()) {
    (void)::waitpid(*p, nullptr, WNOHANG);  // reaps a redis-server this process restarted
    ::usleep(10'000);
  }
  if (alive(*p)) return unexpected("redis-server outlived SIGKILL for 10 s");
  return {};
}

Expected<void, std::string> LocalStack::start_redis() {
  const std::string url = env("REDIS_URL");
  const std::string port = url.substr(url.rfind(':') + 1);
  // The same command line as tools/local-stack.sh, in its own session, appending to its log.
  std::vector<std::string> args{"redis-server",     "--bind", "127.0.0.1",    "--port", port,
                                "--save",           "",       "--appendonly", "no",     "--dir",
                                state_dir_.string()};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (state_dir_ / "logs" / "redis.log").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  pid_t child = 0;
  const int rc =
      ::posix_spawnp(&child, "redis-server", &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) return unexpected(std::string("starting redis-server: ") + std::strerror(rc));
  // `./dev stop` stops the new one.
  std::ofstream(state_dir_ / "redis.pid") << child << '\n';
  return {};
}

std::vector<pid_t> LocalStack::instances(const std::string& function) const {
  std::vector<pid_t> out;
  auto host = pid("local");
  if (!host) return out;
  for (pid_t child : children(*host)) {
    if (environment_variable(child, "AWS_LAMBDA_FUNCTION_NAME") == function) out.push_back(child);
  }
  return out;
}

}  // namespace streamcache::soak
