// The emulator's own round trip: a client of the Runtime API that fetches each invocation (reads
// the whole event off the socket) and posts a fixed answer without looking at it. What it takes is
// what the emulator and loopback HTTP cost per batch, to be taken off every handler's figure.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace streamcache::bench {

class NullRuntime {
 public:
  // `port`: the Runtime API's port on 127.0.0.1. Starts polling at once, on its own thread.
  NullRuntime(int port, std::string response);
  ~NullRuntime();
  NullRuntime(const NullRuntime&) = delete;
  NullRuntime& operator=(const NullRuntime&) = delete;

 private:
  void loop();
  bool exchange(const std::string& request, std::string& request_id);

  int port_;
  std::string response_;
  std::atomic<int> fd_{-1};
  std::atomic<bool> stopping_{false};
  std::string buffer_;
  std::thread thread_;
};

}  // namespace streamcache::bench
