#include "local/child_process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <utility>

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace streamcache::local {

namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

Expected<ChildProcess, std::string> ChildProcess::spawn(const Options& options) {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) return unexpected(errno_text("pipe"));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return unexpected(errno_text("pipe"));
  }
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  const std::string program = options.program.string();
  const std::string dir = options.working_dir.string();
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), nullptr};  // NOLINT: execve API
  std::vector<char*> envp;
  envp.reserve(options.environment.size() + 1);
  for (const auto& e : options.environment)
    envp.push_back(const_cast<char*>(e.c_str()));  // NOLINT: execve API
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {out[0], out[1], err[0], err[1]})
      ::close(fd);
    return unexpected(errno_text("fork"));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the host
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);  // a terminal's Ctrl-C goes to the host, which stops its children itself
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the host blocks signals for sigwait
    if (!dir.empty() && ::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  ChildProcess child;
  child.pid_ = pid;
  child.stdout_fd_ = out[0];
  child.stderr_fd_ = err[0];
  child.pidfd_ =
      static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // glibc 2.36 header lacks extern "C"
  if (child.pidfd_ < 0) return unexpected(errno_text("pidfd_open"));
  return child;
}

ChildProcess::~ChildProcess() {
  close_all();
}

void ChildProcess::close_all() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  close_fd(pidfd_);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      reaped_(std::exchange(other.reaped_, false)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    close_all();
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = std::exchange(other.reaped_, false);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    stderr_fd_ = std::exchange(other.stderr_fd_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
  }
  return *this;
}

void ChildProcess::kill() {
  if (pid_ > 0 && !reaped_) ::kill(pid_, SIGKILL);
}

std::optional<int> ChildProcess::try_reap() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return std::nullopt;
  reaped_ = true;
  return status;
}

long ChildProcess::peak_memory_mb() const {
  if (pid_ <= 0 || reaped_) return 0;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) {
      const long kb = std::strtol(line.c_str() + 6, nullptr, 10);
      return (kb + 1023) / 1024;
    }
  }
  return 0;
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* name = sigabbrev_np(sig);
    std::string text = name != nullptr ? name : std::to_string(sig);
    for (auto& c : text)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text == "kill") text = "killed";
    if (text == "segv") text = "segmentation fault";
    if (text == "abrt") text = "aborted";
    return "signal: " + text;
  }
  return "status " + std::to_string(wait_status);
}

Expected<int, std::string> run_to_completion(const std::vector<std::string>& argv) {
  if (argv.empty()) return unexpected(std::string("no program"));
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: posix_spawn API
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return unexpected(argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return unexpected(errno_text("waitpid"));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace streamcache::local
