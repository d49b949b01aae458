// API Gateway HTTP API stand-in: listens on loopback, selects the route, invokes the function with
// a payload 2.0 event and writes its response back. GET /__streamcache/health answers readiness;
// /_local is the live dashboard (local/dashboard.h), fed by the requests it records in LocalStats.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "common/expected.h"
#include "local/config.h"
#include "local/function_pool.h"
#include "local/http_api_event.h"
#include "local/local_stats.h"
#include "local/log_sink.h"
#include "local/routes.h"
#include "local/trace_tail.h"

namespace streamcache::local {

inline constexpr std::string_view kHealthPath = "/__streamcache/health";
// On every answer of the gateway, its own errors and the health endpoint included.
inline constexpr std::string_view kRequestIdHeader = "apigw-requestid";

// Maps an invocation's result to what API Gateway answers: the function's response, 500 for a
// function error or a throttle, 502 for a malformed response, 504 for a timeout, 413 too large.
GatewayResponse gateway_response_for(const InvokeResult& result, LogSink* log = nullptr);

class HttpGateway {
 public:
  // `health` returns the JSON body of the health endpoint (called on the io thread). With
  // `stats`, every request the function answers is recorded and /_local serves the dashboard.
  HttpGateway(boost::asio::io_context& io, HttpApiConfig config, RouteTable routes,
              FunctionPool* function, std::string account_id, LogSink& log,
              std::function<std::string()> health, LocalStats* stats = nullptr,
              TraceTail* traces = nullptr);

  // Binds host:port; a busy port is an error that says so and how to choose another.
  Expected<void, std::string> listen();
  void start();  // accepts on the io thread
  void stop();   // closes the listener (call on the io thread)
  [[nodiscard]] int port() const { return port_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<GatewayResponse> handle(GatewayRequest request);
  std::string next_request_id();  // "local-0000002a", unique per gateway
  // Reads and drops what the client still sends (bounded), so it can read the answer.
  static boost::asio::awaitable<void> drain(boost::beast::tcp_stream& stream);

  boost::asio::io_context& io_;
  HttpApiConfig config_;
  RouteTable routes_;
  FunctionPool* function_;  // may be null: every route answers 500
  std::string account_id_;
  LogSink& log_;
  std::function<std::string()> health_;
  LocalStats* stats_;  // may be null: no dashboard
  TraceTail* traces_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::uint64_t request_counter_ = 0;
};

}  // namespace streamcache::local
