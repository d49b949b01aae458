// The local stack's configuration (local/stack.json): the same names and defaults as the Terraform
// inputs of infra/modules/functions and infra/modules/http_api, plus a "local" section for what
// only the emulator needs. Strings may use ${NAME} or ${NAME:-default} from the environment.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/expected.h"

namespace streamcache::local {

struct FunctionConfig {
  std::string key;             // "api" or "stream_handler" (the Terraform map key)
  std::string name;            // "<name>-api", "<name>-stream-handler"
  std::filesystem::path code;  // a .zip, a bootstrap executable, or a directory holding one
  std::string handler = "bootstrap";
  int memory_size = 256;                           // MB
  std::chrono::milliseconds timeout{0};            // from "timeout" in seconds
  int reserved_concurrency = -1;                   // -1: unreserved (local.max_concurrency applies)
  std::map<std::string, std::string> environment;  // the function's own variables
  // Instances at most: reserved_concurrency when set, else the local limit.
  [[nodiscard]] int concurrency_limit(int local_max) const {
    return reserved_concurrency >= 0 ? reserved_concurrency : local_max;
  }
};

enum class StartingPosition { trim_horizon, latest };

struct MappingConfig {
  bool create = true;
  bool enabled = true;
  std::string table;             // the stream is the table's LatestStreamArn
  std::string event_source_arn;  // optional: a stream ARN instead of the table's latest
  int batch_size = 100;
  std::chrono::milliseconds maximum_batching_window{0};
  int maximum_retry_attempts = 100;       // as infra/modules/functions: rides out a 30 min outage
  int maximum_record_age_seconds = 3600;  // -1: no limit
  StartingPosition starting_position = StartingPosition::trim_horizon;
  bool report_batch_item_failures = true;  // function_response_types has ReportBatchItemFailures
  bool bisect_batch_on_function_error = true;
  std::filesystem::path on_failure_file;  // JSON lines; empty: discarded records are only logged
};

struct HttpApiConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (printed when ready)
  std::vector<std::string> routes;  // route keys: "$default" (the default), "GET /items/{id}"
  std::chrono::milliseconds integration_timeout{30000};
};

struct LocalConfig {
  std::string
      aws_endpoint_url;  // DynamoDB/Streams for the mapping and AWS_ENDPOINT_URL of functions
  std::string access_key_id = "testing";
  std::string secret_access_key = "testing";
  std::string session_token;
  int max_concurrency = 10;                       // per function, when reserved_concurrency is -1
  std::chrono::milliseconds init_timeout{10000};  // Lambda's init phase limit
  std::chrono::milliseconds stream_poll_interval{250};  // Lambda polls each shard 4 times a second
  std::filesystem::path work_dir = ".local";  // unzipped code goes under <work_dir>/functions
  // Invocations the local Lambda service samples for X-Ray when the caller sent no sampling
  // decision (segments go to <work_dir>/traces.jsonl); 100 traces everything, 0 nothing.
  int trace_sampling_percent = 100;
};

struct StackConfig {
  std::string name = "streamcache";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::optional<FunctionConfig> api;             // absent: no HTTP API
  std::optional<FunctionConfig> stream_handler;  // absent: no mapping
  // The consistency monitor (docs/monitor.md), invoked every monitor_schedule like EventBridge
  // would; absent (code.monitor.path empty): no timer.
  std::optional<FunctionConfig> monitor;
  std::chrono::seconds monitor_schedule{60};  // monitor.schedule_seconds
  MappingConfig mapping;
  HttpApiConfig http_api;
  LocalConfig local;
};

// Parses stack.json text. Relative paths are resolved against `base_dir` (the file's directory).
// Errors name the JSON path and what was expected: "event_source_mapping.batch_size: must be from
// 1 to 10000, got 0".
Expected<StackConfig, std::string> parse_stack_config(std::string_view json_text,
                                                      const std::filesystem::path& base_dir,
                                                      const EnvLookup& env);

// Reads and parses a file; the error starts with the file name.
Expected<StackConfig, std::string> load_stack_config(const std::filesystem::path& file,
                                                     const EnvLookup& env);

// Expands ${NAME} and ${NAME:-default}; "$$" is a literal "$". Unset without default: an error.
Expected<std::string, std::string> expand_variables(std::string_view text, const EnvLookup& env);

}  // namespace streamcache::local
