// The soak's report: operations by kind and status, latency percentiles, the Cache-Status mix,
// the faults injected, the stream's progress, redrive and convergence; and the verdict.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "soak/convergence.h"
#include "soak/fault_injector.h"
#include "soak/workload.h"

namespace streamcache::soak {

struct SoakResult {
  std::uint64_t seed = 0;
  int seconds = 0;
  std::vector<OpRecord> operations;
  std::vector<InjectedFault> faults;
  std::optional<StreamProgress> stream;
  std::string drain_error;
  int redriven_batches = 0;  // on-failure records redriven before the check
  bool require_redrive = false;
  std::string redrive_error;
  std::optional<ConvergenceReport> convergence;
  std::string check_error;
};

struct Verdict {
  bool passed = true;
  std::vector<std::string> reasons;  // why it failed
};

// Fails on: a diverged item; an API answer that is 5xx but not 503, beyond one per API instance
// killed (each was serving at most one request); an API request with no answer at all; a stream
// that did not drain; records in the on-failure file that were not redriven; with
// require_redrive, no batch redriven at all.
Verdict judge(const SoakResult& result);

std::string render(const SoakResult& result, const Verdict& verdict);

}  // namespace streamcache::soak
