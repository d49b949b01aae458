// A bootstrap child: started with an explicit environment (as Lambda does, nothing inherited),
// stdout and stderr as pipes the host reads, a pidfd to learn of its exit, and SIGKILLed and
// reaped when the handle is destroyed. It also dies with the host (PR_SET_PDEATHSIG).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/expected.h"

namespace streamcache::local {

class ChildProcess {
 public:
  struct Options {
    std::filesystem::path program;
    std::vector<std::string> environment;  // "NAME=value"
    std::filesystem::path working_dir;
  };

  static Expected<ChildProcess, std::string> spawn(const Options& options);
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // The read ends of stdout and stderr and the pidfd; the caller takes ownership (once).
  int release_stdout() { return std::exchange(stdout_fd_, -1); }
  int release_stderr() { return std::exchange(stderr_fd_, -1); }
  int release_pidfd() { return std::exchange(pidfd_, -1); }

  void kill();  // SIGKILL (no-op once reaped)
  // Reaps the child if it has exited: its wait status, else nullopt.
  std::optional<int> try_reap();
  // Peak resident set size in MB (VmHWM from /proc), 0 when unknown.
  [[nodiscard]] long peak_memory_mb() const;

 private:
  void close_all();
  pid_t pid_ = -1;
  bool reaped_ = false;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int pidfd_ = -1;
};

// "exit status 1", "signal: killed": Lambda's wording for a runtime that exited.
std::string describe_exit(int wait_status);

// Runs a program to completion with output discarded (e.g. unzip); its exit code or an error.
Expected<int, std::string> run_to_completion(const std::vector<std::string>& argv);

}  // namespace streamcache::local
