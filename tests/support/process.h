// A child process for tests: started with its output in a log file, always stopped by RAII, and
// killed by the kernel if the test binary itself dies (PR_SET_PDEATHSIG).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace streamcache::testing {

class Process {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH
    std::filesystem::path log_file;
    std::map<std::string, std::string> env;  // added to (or replacing in) the parent's environment
    std::optional<std::filesystem::path> working_dir;
  };

  explicit Process(Options options);  // throws std::runtime_error when the program cannot start
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&&) = delete;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // True while the child has not exited (reaps it when it has).
  bool running();
  // SIGTERM, then SIGKILL after `grace`; returns the exit status as waitpid reports it.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL now: the crash case of fault tests.
  void kill();
  // SIGSTOP / SIGCONT: a paused process keeps its sockets open and answers nothing.
  void pause();
  void resume();
  // Waits up to `timeout` for the child to exit by itself; its wait status, or nullopt.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  [[nodiscard]] const std::filesystem::path& log_file() const { return options_.log_file; }
  // The last `max_bytes` of the log.
  [[nodiscard]] std::string log_tail(std::size_t max_bytes = 8192) const;

 private:
  Options options_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Resolves a program name through PATH; nullopt when not found.
std::optional<std::filesystem::path> find_program(const std::string& name);

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();
// Whether 127.0.0.1:port can be bound now (no listener, no connection using it as its port).
bool port_bindable(int port);

// True when something accepts TCP connections on 127.0.0.1:port.
bool port_open(int port);

struct ShellResult {
  int status = -1;     // exit code; -1 when it did not exit normally
  std::string output;  // stdout and stderr, interleaved
};
// Runs a command line with /bin/sh and waits for it (scripts under test, wrk, redis-cli).
ShellResult run_shell(const std::string& command);

// A fresh directory under build/test-logs (or $TMPDIR) for one test binary's files.
std::filesystem::path make_log_dir(const std::string& name);

// Whether every test that ran in this binary has passed so far.
bool all_tests_passed();

}  // namespace streamcache::testing
