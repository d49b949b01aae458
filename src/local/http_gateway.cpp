#include "local/http_gateway.h"

#include <array>
#include <cstdio>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "json/json.h"
#include "local/dashboard.h"

namespace streamcache::local {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
// HTTP API accepts up to 10 MB; more than Lambda's 6 MB is answered 413 after reading.
constexpr std::uint64_t kMaxRequestBody = std::uint64_t{10} << 20;
// After a 413 for an unread body: how long and how much is read and dropped before closing.
constexpr auto kDrainTimeout = std::chrono::seconds(10);
constexpr std::uint64_t kMaxDrainBytes = std::uint64_t{64} << 20;

}  // namespace

GatewayResponse gateway_response_for(const InvokeResult& result, LogSink* log) {
  switch (result.status) {
    case InvokeResult::Status::ok: {
      auto response = response_from_function(result.payload);
      if (response) return std::move(*response);
      if (log != nullptr)
        log->line("streamcache-local", "502 for " + result.request_id + ": " + response.error());
      return gateway_error(502, "Internal Server Error");
    }
    case InvokeResult::Status::function_error:
      // A response Lambda refused (over 6 MB) is a malformed integration response: 502.
      if (result.error_type == "Function.ResponseSizeTooLarge") {
        return gateway_error(502, "Internal Server Error");
      }
      return gateway_error(500, "Internal Server Error");
    case InvokeResult::Status::timed_out:
      return gateway_error(504, "Endpoint request timed out");
    case InvokeResult::Status::throttled:
      // API Gateway does not pass Lambda's 429 on: a throttled integration is a 500.
      return gateway_error(500, "Internal Server Error");
    case InvokeResult::Status::payload_too_large:
      return gateway_error(413, "Request Entity Too Large");
  }
  return gateway_error(500, "Internal Server Error");
}

HttpGateway::HttpGateway(asio::io_context& io, HttpApiConfig config, RouteTable routes,
                         FunctionPool* function, std::string account_id, LogSink& log,
                         std::function<std::string()> health, LocalStats* stats, TraceTail* traces)
    : io_(io),
      config_(std::move(config)),
      routes_(std::move(routes)),
      function_(function),
      account_id_(std::move(account_id)),
      log_(log),
      health_(std::move(health)),
      stats_(stats),
      traces_(traces),
      acceptor_(io) {}

Expected<void, std::string> HttpGateway::listen() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config_.host, ec);
  if (ec) return unexpected("http_api.listen: \"" + config_.host + "\" is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(config_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return unexpected(config_.host + ":" + std::to_string(config_.port) +
                      " is already in use by another program; stop it or choose another port "
                      "(--listen HOST:PORT, or API_PORT for ./dev run)");
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unexpected("cannot listen on " + config_.host + ":" + std::to_string(config_.port) +
                      ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void HttpGateway::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void HttpGateway::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> HttpGateway::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUse);
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpGateway::serve(tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string source_ip = ec ? "127.0.0.1" : remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, kUse);
    (void)read_n;
    GatewayResponse answer;
    bool keep_alive = false;
    unsigned version = 11;
    const bool body_unread = read_ec == http::error::body_limit;
    if (read_ec && !body_unread) co_return;
    const std::string request_id = next_request_id();
    if (body_unread) {
      answer = gateway_error(413, "Request Entity Too Large");
    } else {
      auto request = parser.release();
      keep_alive = request.keep_alive();
      version = request.version();
      GatewayRequest in;
      in.method = std::string(request.method_string());
      in.target = std::string(request.target());
      for (const auto& field : request)
        in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      in.body = std::move(request.body());
      in.source_ip = source_ip;
      in.local_port = port_;
      in.time = std::chrono::system_clock::now();
      in.account_id = account_id_;
      in.request_id = request_id;
      answer = co_await handle(std::move(in));
    }
    http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
    for (const auto& [name, value] : answer.headers) {
      if (!beast::iequals(name, kRequestIdHeader)) response.insert(name, value);
    }
    // Every answer carries it, the gateway's own errors too, as API Gateway's do.
    response.insert(kRequestIdHeader, request_id);
    if (answer.status != 404 || !answer.body.empty()) response.body() = std::move(answer.body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    auto [write_ec, write_n] = co_await http::async_write(stream, response, kUse);
    (void)write_n;
    if (write_ec || !keep_alive) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      // Closing with the body unread would reset the connection before the client reads the 413.
      if (!write_ec && body_unread) co_await drain(stream);
      co_return;
    }
  }
}

std::string HttpGateway::next_request_id() {
  char id[32];
  std::snprintf(id, sizeof id, "local-%08llx", static_cast<unsigned long long>(++request_counter_));
  return id;
}

asio::awaitable<void> HttpGateway::drain(beast::tcp_stream& stream) {
  std::uint64_t drained = 0;
  std::array<char, std::size_t{64} * 1024> scratch{};
  stream.expires_after(kDrainTimeout);
  while (drained < kMaxDrainBytes) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), kUse);
    if (ec) break;
    drained += n;
  }
  stream.expires_never();
}

asio::awaitable<GatewayResponse> HttpGateway::handle(GatewayRequest request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == kHealthPath) {
    GatewayResponse health;
    health.headers.emplace_back("content-type", "application/json");
    health.body = health_();
    co_return health;
  }
  if (stats_ != nullptr && traces_ != nullptr && is_dashboard_path(path)) {
    co_return serve_dashboard(request.method, path, *stats_, *traces_);
  }
  const auto started = std::chrono::steady_clock::now();
  auto route = routes_.match(request.method, path);
  if (!route) co_return gateway_error(404, "Not Found");
  if (function_ == nullptr) co_return gateway_error(500, "Internal Server Error");
  const std::string event = json::serialize(to_json(build_http_api_event(request, *route)));
  // Trace header like API Gateway's X-Ray propagation, so functions can log it.
  std::string trace;
  for (const auto& [name, value] : request.headers) {
    if (beast::iequals(name, "x-amzn-trace-id")) trace = value;
  }
  auto result = co_await function_->invoke(event, trace, InvokeMode::synchronous);
  GatewayResponse answer = gateway_response_for(result, &log_);
  if (stats_ != nullptr) {
    std::string_view cache_status;
    for (const auto& [name, value] : answer.headers) {
      if (beast::iequals(name, "cache-status")) cache_status = value;
    }
    stats_->record_request(dashboard_route(route->route_key, request.method, path), answer.status,
                           std::chrono::steady_clock::now() - started,
                           classify_cache_status(cache_status));
  }
  co_return answer;
}

}  // namespace streamcache::local
