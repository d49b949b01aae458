// The soak's fault schedule: which fault starts when and for how long, chosen from a seed alone,
// so a failing run can be repeated with the same faults at the same offsets.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

namespace streamcache::soak {

enum class FaultKind : std::uint8_t {
  redis_restart,        // SIGKILL redis-server, start it again (empty) after `duration`
  redis_pause,          // SIGSTOP redis-server for `duration` (Redis outages: up to run / 10)
  dynamodb_pause,       // SIGSTOP moto_server for `duration`
  api_instance_kill,    // SIGKILL an API instance while DynamoDB is paused, so it is mid-request
  stream_handler_kill,  // SIGKILL the stream handler while Redis is paused, so it is mid-batch
};

inline constexpr int kFaultKinds = 5;

std::string_view to_string(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::redis_pause;
  std::chrono::milliseconds at{0};        // from the start of the workload
  std::chrono::milliseconds duration{0};  // how long the process stays down or stopped
};

// Faults spread over the run, one at a time with quiet time between them, every kind before any
// repeats (in an order the seed shuffles); none in the first 3 s or the last 20 %, so the run ends
// with the system healthy. Sorted by `at`.
std::vector<Fault> plan_faults(std::chrono::seconds run, std::uint64_t seed);

}  // namespace streamcache::soak
