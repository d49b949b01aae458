// What every fuzz target shares: a property check that reports the broken rule and aborts (so
// libFuzzer keeps the input as a crash), and quiet logs (the domain logs to stdout at INFO).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include "common/log.h"

namespace streamcache::fuzz {

[[noreturn]] inline void property_failed(const char* rule, std::string_view detail) {
  std::fprintf(stderr, "fuzz property failed: %s\n  %.*s\n", rule, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// No log lines: one per rejected input (skipped stream records log at ERROR) would dominate the
// run time. libFuzzer reports on stderr; stdout carries only the domain's logs.
inline void quiet_logs() {
  logging::process_logger().set_min_level(logging::Level::error);
  if (const int null = ::open("/dev/null", O_WRONLY); null >= 0) {
    ::dup2(null, STDOUT_FILENO);
    ::close(null);
  }
}

}  // namespace streamcache::fuzz

#define FUZZ_CHECK(cond, detail)                                        \
  do {                                                                  \
    if (!(cond)) ::streamcache::fuzz::property_failed(#cond, (detail)); \
  } while (false)
