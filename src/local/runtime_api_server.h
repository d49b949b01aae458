// The Lambda Runtime API (2018-06-01) as one sandbox serves it to its bootstrap: HTTP only; what
// /next returns and what a post means is the handler's business (the function pool).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace streamcache::local {

struct NextInvocation {
  std::string request_id;
  std::string payload;
  std::int64_t deadline_ms = 0;  // epoch milliseconds
  std::string function_arn;
  std::string trace_id;  // header left out when empty
};

struct PostAnswer {
  int status = 202;
  std::string body = R"({"status":"OK"})";
};

class RuntimeApiHandler {
 public:
  virtual ~RuntimeApiHandler() = default;
  // Waits for work; nullopt when the sandbox is going away (the connection is closed).
  virtual boost::asio::awaitable<std::optional<NextInvocation>> next() = 0;
  virtual PostAnswer on_response(const std::string& request_id, std::string body) = 0;
  virtual PostAnswer on_error(const std::string& request_id, std::string body,
                              std::string error_type) = 0;
  virtual PostAnswer on_init_error(std::string body, std::string error_type) = 0;
};

// Accepts connections until the acceptor is closed; each connection is served in order, with
// keep-alive, as the runtime client expects. Bodies up to 16 MB are read (larger: 413).
boost::asio::awaitable<void> serve_runtime_api(boost::asio::ip::tcp::acceptor& acceptor,
                                               std::shared_ptr<RuntimeApiHandler> handler);

}  // namespace streamcache::local
