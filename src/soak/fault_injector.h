// Runs a fault schedule against the local stack on its own thread, at the schedule's offsets
// from start(); records what each fault did. Stopping (or destruction) resumes anything paused.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "soak/fault_schedule.h"
#include "soak/stack.h"

namespace streamcache::soak {

struct InjectedFault {
  Fault fault;
  std::string detail;  // e.g. the pid killed; the error when the fault could not be injected
  bool injected = false;
  int api_instances_killed = 0;  // each may have cost the one request it was serving
};

class FaultInjector {
 public:
  FaultInjector(LocalStack& stack, std::vector<Fault> schedule, std::uint64_t seed);
  ~FaultInjector();
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  void start();
  void stop();  // interrupts the schedule; every paused process is resumed, Redis is running
  [[nodiscard]] std::vector<InjectedFault> injected() const;

 private:
  void run();
  InjectedFault inject(const Fault& fault);
  // Waits until `until` unless stopping; false when stopping.
  bool wait_until(std::chrono::steady_clock::time_point until);
  void restore();

  LocalStack& stack_;
  std::vector<Fault> schedule_;
  std::uint64_t seed_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<InjectedFault> injected_;
  std::thread thread_;
};

}  // namespace streamcache::soak
