// A loopback HTTP server that answers from a script: the faults moto cannot produce (throttling,
// a dropped connection, a stalled answer) for the retry and deadline tests. One connection at a
// time, on its own thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace streamcache::testing {

class ScriptedServer {
 public:
  struct Step {
    int status = 200;  // 0: close the connection without answering; -1: never answer (stall)
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw = {};      // when set: the whole answer, byte for byte (status is ignored)
    bool close_after = false;  // close the connection once answered
  };

  explicit ScriptedServer(std::vector<Step> script);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int requests() const { return requests_.load(); }
  [[nodiscard]] int connections() const { return connections_.load(); }  // accepted so far
  // The raw request heads seen so far (request line and headers).
  [[nodiscard]] std::vector<std::string> heads() const;

 private:
  void serve();
  bool handle(int fd);

  std::vector<Step> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
  std::thread thread_;
};

}  // namespace streamcache::testing
