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
  // DNS + TCP + TLS handshake: a regional endpoint connects in tens of ms; 1 s leaves room for
  // a retry and still fits one attempt of a 10 s invocation.
  std::chrono::milliseconds connect_timeout{1000};
  // Write + full response; zero = no limit. 3 s is far above DynamoDB's single-item latency and
  // keeps 3 attempts plus backoff inside the API's 9 s budget (docs/api.md, "Faults").
  std::chrono::milliseconds request_timeout{3000};
  // A kept-alive connection idle longer than this is closed before reuse: Lambda freezes the
  // sandbox between invocations and NAT gateways (350 s) or load balancers (60 s) drop idle flows
  // silently, so an old socket may be dead without a FIN.
  std::chrono::milliseconds max_idle{30000};
  // Test seam: the clock that ages idle connections.
  std::function<std::chrono::steady_clock::time_point()> now;
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
