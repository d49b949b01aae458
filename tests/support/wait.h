// Polling with a deadline: tests wait for observable state, never for a fixed time.
#pragma once

#include <chrono>
#include <thread>

namespace streamcache::testing {

// Calls `ready` until it returns true or `timeout` passes; returns the last result.
template <class Predicate>
bool wait_until(Predicate&& ready, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                std::chrono::milliseconds interval = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);  // poll interval, not a synchronization
  }
}

}  // namespace streamcache::testing
