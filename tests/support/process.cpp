#include "support/process.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/wait.h"

extern char** environ;  // NOLINT: POSIX

namespace streamcache::testing {

std::optional<std::filesystem::path> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return std::filesystem::path(name);
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

Process::Process(Options options) : options_(std::move(options)) {
  auto program = find_program(options_.argv.at(0));
  if (!program) throw std::runtime_error(options_.argv[0] + " not found in PATH");

  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto name = entry.substr(0, entry.find('='));
    if (!options_.env.contains(name)) env_strings.push_back(std::move(entry));
  }
  for (const auto& [name, value] : options_.env)
    env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : options_.argv)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string program_path = program->string();
  std::string log_path = options_.log_file.string();
  std::string work_dir = options_.working_dir ? options_.working_dir->string() : std::string();
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (!work_dir.empty() && ::chdir(work_dir.c_str()) != 0) ::_exit(126);
    ::execve(program_path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0) stop(std::chrono::seconds(3));
}

Process::Process(Process&& other) noexcept
    : options_(std::move(other.options_)), pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

bool Process::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

std::optional<int> Process::wait_for_exit(std::chrono::milliseconds timeout) {
  wait_until([&] { return !running(); }, timeout, std::chrono::milliseconds(5));
  return status_;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_.value_or(0);
  if (running()) {
    ::kill(pid_, SIGCONT);  // a paused child would not act on SIGTERM
    ::kill(pid_, SIGTERM);
    if (!wait_for_exit(grace)) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = status;
    }
  }
  ::kill(-pid_, SIGKILL);  // anything the child left in its process group
  pid_ = -1;
  return status_.value_or(0);
}

void Process::kill() {
  if (pid_ <= 0 || !running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = status;
}

void Process::pause() {
  if (pid_ > 0 && running()) ::kill(pid_, SIGSTOP);
}

void Process::resume() {
  if (pid_ > 0 && running()) ::kill(pid_, SIGCONT);
}

std::string Process::log_tail(std::size_t max_bytes) const {
  std::ifstream in(options_.log_file, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (content.size() > max_bytes) content = "..." + content.substr(content.size() - max_bytes);
  return content;
}

bool port_bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // as redis-server binds
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;  // NOLINT
  ::close(fd);
  return bound;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT: C API
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {  // NOLINT
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;  // NOLINT
  ::close(fd);
  return ok;
}

ShellResult run_shell(const std::string& command) {
  ShellResult result;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
  if (!pipe) return result;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get()))
    result.output.append(buffer, n);
  const int status = ::pclose(pipe.release());
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::filesystem::path make_log_dir(const std::string& name) {
  std::filesystem::path base;
  if (const char* source = std::getenv("STREAMCACHE_SOURCE_DIR")) {
    base = std::filesystem::path(source) / "build" / "test-logs";
  } else {
    base = std::filesystem::temp_directory_path() / "streamcache-test-logs";
  }
  std::filesystem::create_directories(base);
  // mkdtemp: every server of a test binary gets its own directory, even with the same name.
  std::string pattern = (base / (name + "-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed in " + base.string());
  return pattern;
}

bool all_tests_passed() {
  const auto* unit = ::testing::UnitTest::GetInstance();
  return unit == nullptr || unit->failed_test_count() == 0;
}

}  // namespace streamcache::testing
