#include "local/runtime_api_server.h"

#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace streamcache::local {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
constexpr std::uint64_t kMaxBody = std::uint64_t{16} << 20;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

using Response = http::response<http::string_body>;

Response json_response(int status, std::string body, unsigned version, bool keep_alive) {
  Response r{static_cast<http::status>(status), version};
  r.set(http::field::content_type, "application/json");
  r.body() = std::move(body);
  r.keep_alive(keep_alive);
  r.prepare_payload();
  return r;
}

Response error_response(int status, std::string_view type, std::string_view message,
                        unsigned version, bool keep_alive) {
  std::string body = R"({"errorMessage":")";
  body += message;
  body += R"(","errorType":")";
  body += type;
  body += "\"}";
  return json_response(status, std::move(body), version, keep_alive);
}

asio::awaitable<void> serve_connection(beast::tcp_stream stream,
                                       std::shared_ptr<RuntimeApiHandler> handler) {
  beast::flat_buffer buffer;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, kUse);
    (void)read_n;
    if (read_ec == http::error::body_limit) {
      auto r = error_response(413, "RequestEntityTooLarge", "body over 16 MB", 11, false);
      co_await http::async_write(stream, r, kUse);
      co_return;
    }
    if (read_ec) co_return;  // the runtime closed the connection or was killed
    auto request = parser.release();
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    std::string_view target = request.target();
    Response response;
    if (!target.starts_with(kPrefix)) {
      response = error_response(404, "InvalidPath", "unknown path", version, keep_alive);
    } else {
      target.remove_prefix(kPrefix.size());
      if (request.method() == http::verb::get && target == "invocation/next") {
        auto next = co_await handler->next();
        if (!next) co_return;  // the sandbox is going away: a closed connection ends the runtime
        response = json_response(200, std::move(next->payload), version, keep_alive);
        response.set("Lambda-Runtime-Aws-Request-Id", next->request_id);
        response.set("Lambda-Runtime-Deadline-Ms", std::to_string(next->deadline_ms));
        response.set("Lambda-Runtime-Invoked-Function-Arn", next->function_arn);
        if (!next->trace_id.empty()) response.set("Lambda-Runtime-Trace-Id", next->trace_id);
      } else if (request.method() == http::verb::post && target == "init/error") {
        const std::string type(request["Lambda-Runtime-Function-Error-Type"]);
        auto answer = handler->on_init_error(std::move(request.body()), type);
        response = json_response(answer.status, std::move(answer.body), version, keep_alive);
      } else if (request.method() == http::verb::post && target.starts_with("invocation/")) {
        std::string_view rest = target.substr(11);
        const auto slash = rest.rfind('/');
        const std::string id(rest.substr(0, slash));
        const std::string_view what =
            slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (what == "response") {
          auto answer = handler->on_response(id, std::move(request.body()));
          response = json_response(answer.status, std::move(answer.body), version, keep_alive);
        } else if (what == "error") {
          const std::string type(request["Lambda-Runtime-Function-Error-Type"]);
          auto answer = handler->on_error(id, std::move(request.body()), type);
          response = json_response(answer.status, std::move(answer.body), version, keep_alive);
        } else {
          response = error_response(404, "InvalidPath", "unknown path", version, keep_alive);
        }
      } else {
        response = error_response(404, "InvalidPath", "unknown path", version, keep_alive);
      }
    }
    auto [write_ec, write_n] = co_await http::async_write(stream, response, kUse);
    (void)write_n;
    if (write_ec || !keep_alive) co_return;
  }
}

}  // namespace

asio::awaitable<void> serve_runtime_api(tcp::acceptor& acceptor,
                                        std::shared_ptr<RuntimeApiHandler> handler) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(kUse);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(),
                   serve_connection(beast::tcp_stream(std::move(socket)), handler), asio::detached);
  }
}

}  // namespace streamcache::local
