// A test double of the Lambda service's Runtime API (2018-06-01) on a free loopback port: tests
// queue invocations, the bootstrap under test fetches them from /next and posts results, and the
// tests read what was posted. Also used by the cold-start bench.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace streamcache::lambda::testing {

using Clock = std::chrono::steady_clock;

struct QueuedInvocation {
  std::string request_id;
  std::string payload;
  std::int64_t deadline_ms = 0;  // epoch milliseconds; 0: now + 60 s when it is delivered
  std::string function_arn = "arn:aws:lambda:us-east-1:123456789012:function:echo";
  std::string trace_id;  // header left out when empty
  std::string client_context;
  std::string cognito_identity;
  std::optional<std::string> raw_deadline_header;  // sent as is instead of deadline_ms
};

struct Post {
  enum class Kind { response, error, init_error };
  Kind kind = Kind::response;
  std::string request_id;  // empty for init errors
  std::string content_type;
  std::string error_type_header;  // Lambda-Runtime-Function-Error-Type
  std::string body;
  Clock::time_point at;
};

class RuntimeApiServer {
 public:
  RuntimeApiServer();
  ~RuntimeApiServer();
  RuntimeApiServer(const RuntimeApiServer&) = delete;
  RuntimeApiServer& operator=(const RuntimeApiServer&) = delete;

  // "127.0.0.1:port", the value of AWS_LAMBDA_RUNTIME_API.
  [[nodiscard]] std::string endpoint() const;

  void enqueue(QueuedInvocation invocation);
  // From now on /next answers with this HTTP status and no invocation (0 restores normal work).
  void fail_next_with(int status);
  // The next `count` posts are answered with `status` and not recorded as results.
  void fail_posts_with(int status, int count);

  // Polls (with a deadline) for what the bootstrap did; nullopt when it did not happen in time.
  std::optional<Post> wait_for_post(const std::string& request_id,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::optional<Post> wait_for_init_error(
      std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // When the first /next of the current run arrived.
  std::optional<Clock::time_point> wait_for_first_next(
      std::chrono::milliseconds timeout = std::chrono::seconds(20));

  [[nodiscard]] int connections_accepted() const;
  [[nodiscard]] int next_requests() const;
  [[nodiscard]] int post_attempts() const;  // every post, recorded or failed on purpose
  [[nodiscard]] std::vector<Post> posts() const;
  // Forgets posts, counters and failure settings (the bench reuses one server per cold start).
  void reset();

 private:
  struct State;
  void accept_loop();
  void serve(int fd);

  std::unique_ptr<State> state_;
  std::thread acceptor_;
};

}  // namespace streamcache::lambda::testing
