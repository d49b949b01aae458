#include "soak/fault_schedule.h"

#include <algorithm>
#include <array>
#include <random>

namespace streamcache::soak {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kQuietBefore{3000};  // the stack serves traffic before the first fault
constexpr milliseconds kQuietAfter{2000};   // recovery time after each fault

milliseconds draw(std::mt19937_64& random, milliseconds low, milliseconds high) {
  std::uniform_int_distribution<long long> d(low.count(), high.count());
  return milliseconds(d(random));
}

milliseconds duration_of(FaultKind kind, milliseconds run, std::mt19937_64& random) {
  switch (kind) {
    case FaultKind::redis_restart:
    case FaultKind::redis_pause:  // up to a tenth of the run: longer than a batch's budget
      return draw(random, milliseconds(1000), std::max(milliseconds(5000), run / 10));
    case FaultKind::dynamodb_pause:
      return draw(random, milliseconds(1000), milliseconds(4000));
    case FaultKind::api_instance_kill:
    case FaultKind::stream_handler_kill:
      return draw(random, milliseconds(1500), milliseconds(2500));  // the stall around the kill
  }
  return milliseconds(1000);
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::redis_restart:
      return "redis-restart";
    case FaultKind::redis_pause:
      return "redis-pause";
    case FaultKind::dynamodb_pause:
      return "dynamodb-pause";
    case FaultKind::api_instance_kill:
      return "api-instance-kill";
    case FaultKind::stream_handler_kill:
      return "stream-handler-kill";
  }
  return "unknown";
}

std::vector<Fault> plan_faults(std::chrono::seconds run, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const auto run_ms = std::chrono::duration_cast<milliseconds>(run);
  const milliseconds end = run_ms * 8 / 10;
  std::vector<Fault> faults;
  std::array<FaultKind, kFaultKinds> kinds{FaultKind::redis_restart, FaultKind::redis_pause,
                                           FaultKind::dynamodb_pause, FaultKind::api_instance_kill,
                                           FaultKind::stream_handler_kill};
  std::size_t next_kind = kinds.size();
  milliseconds at = kQuietBefore;
  while (true) {
    if (next_kind == kinds.size()) {
      std::shuffle(kinds.begin(), kinds.end(), random);
      next_kind = 0;
    }
    Fault fault{kinds[next_kind], at + draw(random, milliseconds(0), milliseconds(3000)), {}};
    fault.duration = duration_of(fault.kind, run_ms, random);
    if (fault.at + fault.duration > end) break;
    faults.push_back(fault);
    ++next_kind;
    at = fault.at + fault.duration + kQuietAfter;
  }
  return faults;
}

}  // namespace streamcache::soak
