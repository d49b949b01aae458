#include "soak/redrive.h"

#include <fstream>

namespace streamcache::soak {

Expected<int, std::string> redrive_on_failure_file(const LocalStack& stack,
                                                   const std::filesystem::path& tool) {
  std::ifstream in(stack.on_failure_file());
  int batches = 0;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) ++batches;
  if (tool.empty() || !std::filesystem::exists(tool)) {
    return unexpected(std::to_string(batches) + " batch(es) in " +
                      stack.on_failure_file().string() + " and no redrive tool (--redrive)");
  }
  return unexpected(std::string("redrive is not wired yet"));
}

}  // namespace streamcache::soak
