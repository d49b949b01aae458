// streamcache-soak's command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/expected.h"

namespace streamcache::soak {

struct SoakOptions {
  std::filesystem::path state_dir;  // a running local stack's (tools/local-stack.sh --state-dir)
  int seconds = 120;
  std::uint64_t seed = 0;
  bool seed_given = false;
  int writers = 4;
  int readers = 4;
  int direct_writers = 1;
  int ids = 24;
  int drain_timeout_seconds = 180;
  std::filesystem::path
      redrive;  // streamcache-redrive, run when records reached the on-failure file
  bool require_redrive = false;  // fail unless some batch reached the on-failure file (a test)
  bool help = false;
};

std::string usage();

// Errors name the option and what it needs.
Expected<SoakOptions, std::string> parse_options(const std::vector<std::string>& args);

}  // namespace streamcache::soak
