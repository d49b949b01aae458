// A loopback HTTP/1.1 proxy for "the write committed but its answer was lost" and "the endpoint
// stalls" tests. It forwards
// each request unchanged (Host header included: the emulators do not check SigV4) to an upstream
// such as moto_server or dynalite; when a rule says so it reads the upstream's whole answer, so
// the write has surely committed, then closes the client's connection without sending a byte.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace streamcache::testing {

class DroppingProxy {
 public:
  // Listens on a free 127.0.0.1 port at once; connects to the upstream per client connection.
  explicit DroppingProxy(std::string upstream_host, int upstream_port);
  ~DroppingProxy();  // stops accepting, ends every connection within ~50 ms, joins all threads
  DroppingProxy(const DroppingProxy&) = delete;
  DroppingProxy& operator=(const DroppingProxy&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next `count` requests whose X-Amz-Target contains `target_substring` lose their answers.
  void drop_next(std::string target_substring, int count = 1);
  // Each request whose X-Amz-Target contains `target_substring` loses its answer with probability
  // `p`, drawn from mt19937_64(seed): the same requests in the same order drop the same answers.
  void drop_with_probability(std::string target_substring, double p, std::uint64_t seed);

  // While on, requests are read and never answered nor forwarded: a stalled endpoint (the
  // connection stays open until the client gives up). Off: pass-through again.
  void stall(bool on) { stalling_ = on; }
  [[nodiscard]] int stalled() const { return stalled_.load(); }  // requests left unanswered

  [[nodiscard]] int dropped() const { return dropped_.load(); }          // answers withheld so far
  [[nodiscard]] int forwarded() const { return forwarded_.load(); }      // answers passed on so far
  [[nodiscard]] int connections() const { return connections_.load(); }  // clients accepted

 private:
  struct Rule {
    std::string substring;
    int remaining = 0;         // drop_next: answers left to drop (0: a probability rule)
    double probability = 0.0;  // drop_with_probability
    std::mt19937_64 random;
  };

  void accept_loop();
  void serve(int client_fd);
  int connect_upstream() const;
  bool should_drop(const std::string& target);

  std::string upstream_host_;
  int upstream_port_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stalling_{false};
  std::atomic<int> stalled_{0};
  std::atomic<int> dropped_{0};
  std::atomic<int> forwarded_{0};
  std::atomic<int> connections_{0};
  struct Worker {  // a client connection's thread
    std::atomic<bool> done{false};
    std::thread thread;
  };

  std::mutex mutex_;  // guards rules_
  std::vector<Rule> rules_;
  std::list<Worker> workers_;  // the acceptor's alone, then the destructor's (list: stable nodes)
  std::thread acceptor_;
};

}  // namespace streamcache::testing
