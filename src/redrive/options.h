// streamcache-redrive's command line. Pure: parsed and tested without I/O.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/expected.h"

namespace streamcache::redrive {

struct CliOptions {
  std::filesystem::path file;  // --file: the local stack's JSON-lines on-failure file
  std::string queue_url;       // --queue-url: the on-failure SQS queue (exactly one of the two)
  bool dry_run = false;
  bool help = false;
  std::optional<std::string> redis_url;         // --redis-url: overrides REDIS_URL
  std::optional<std::string> table_name;        // --table: overrides TABLE_NAME
  std::chrono::seconds wait{1};                 // --wait-seconds: ReceiveMessage WaitTimeSeconds
  std::chrono::seconds visibility_timeout{60};  // --visibility-timeout
  std::chrono::seconds apply_timeout{30};       // --apply-timeout: retry while Redis is down
};

// The arguments after the program name. The error says what was wrong ("--wait-seconds must be
// a whole number from 0 to 20, got 'x'").
Expected<CliOptions, std::string> parse_args(std::span<const std::string_view> args);

std::string_view help_text();

// The process environment with --redis-url and --table applied over it.
EnvLookup with_overrides(EnvLookup env, const CliOptions& options);

}  // namespace streamcache::redrive
