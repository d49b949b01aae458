#include "soak/redrive.h"

#include <cstring>
#include <fstream>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;  // NOLINT: the PATH the tool is run with

namespace streamcache::soak {

Expected<int, std::string> redrive_on_failure_file(const LocalStack& stack,
                                                   const std::filesystem::path& tool) {
  const std::string file = stack.on_failure_file().string();
  std::ifstream in(file);
  int batches = 0;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) ++batches;
  if (tool.empty() || !std::filesystem::exists(tool)) {
    return unexpected(std::to_string(batches) + " batch(es) in " + file +
                      " and no redrive tool (--redrive)");
  }
  // The tool reads the stack's endpoints from its environment, as ./dev redrive runs it.
  std::vector<std::string> env = stack.environment();
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) == 0) env.emplace_back(*e);
  }
  std::vector<std::string> args{tool.string(), "--file", file};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t child = 0;
  if (const int rc = ::posix_spawn(&child, argv[0], nullptr, nullptr, argv.data(), envp.data());
      rc != 0) {
    return unexpected("starting " + tool.string() + ": " + std::strerror(rc));
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return unexpected("waiting for the redrive tool");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return unexpected(tool.filename().string() + " --file " + file + " failed (status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                      "; its report is above)");
  }
  return batches;
}

}  // namespace streamcache::soak
