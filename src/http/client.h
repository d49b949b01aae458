// HTTP/1.1 client: one keep-alive connection to one origin (http or https), with connect and
// request deadlines. Not thread-safe: a Lambda instance serves one invocation at a time, so each
// user (DynamoDB client, Runtime API client) owns one Client.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace streamcache::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// Case-insensitive lookup of the first header with this name.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method = "GET";
  std::string target = "/";  // path and query, already percent-encoded
  Headers headers;           // Host and Content-Length are added when missing
  std::string body;
  // May be sent again when a reused connection breaks before any byte of the answer: the caller
  // knows a second copy is harmless. GET, HEAD, PUT, DELETE and OPTIONS are so by definition.
  bool replay_safe = false;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::uint16_t port = 0;
  std::string path;  // "" or a base path such as "/2018-06-01"
  [[nodiscard]] bool tls() const { return scheme == "https"; }
  // "host" or "host:port" when the port is not the scheme's default.
  [[nodiscard]] std::string authority() const;
};

// Accepts http(s)://host[:port][/path]; anything else is an error that names the problem.
Expected<Url, std::string> parse_url(std::string_view text);

struct ClientOptions {
  // DNS + TCP + TLS: tens of ms in-region, so 1 s fails fast and leaves the budget a retry.
  std::chrono::milliseconds connect_timeout{1000};
  // Write + response (0: none): 3 s lets a stalled attempt end with 2 more inside a 9 s budget.
  std::chrono::milliseconds request_timeout{3000};
  // Idle sockets die unseen (frozen sandbox, NAT/ELB idle timeouts): reconnect past 30 s.
  std::chrono::milliseconds max_idle{30000};
  std::function<std::chrono::steady_clock::time_point()> now;  // test seam: ages idle sockets
  bool verify_tls = true;  // verify the peer's chain and host name
  std::string ca_file;     // empty: SSL_CERT_FILE, then the Amazon Linux and Debian bundles
  std::size_t max_response_bytes = std::size_t{64} << 20;
};

enum class ErrorKind {
  connect,          // DNS, TCP refused/unreachable
  timeout,          // connect or request deadline passed
  tls,              // handshake or certificate verification failed
  connection_lost,  // reset or closed mid-exchange
  protocol,         // malformed response, or over max_response_bytes
};

struct Error {
  ErrorKind kind = ErrorKind::protocol;
  std::string message;
};

std::string_view to_string(ErrorKind kind);

class Client {
 public:
  Client(Url origin, ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and reads the whole response; DNS, connect and exchange all end within
  // `timeout` (default request_timeout). A replay-safe request (Request::replay_safe or an
  // idempotent method) on a reused connection that broke before any byte of the answer is
  // resent once on a new connection.
  Expected<Response, Error> send(const Request& request,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Drops the connection (the next send opens a new one).
  void close();
  [[nodiscard]] const Url& origin() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamcache::http
