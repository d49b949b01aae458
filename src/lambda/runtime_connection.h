// Internal: the HTTP/1.1 connection to the Runtime API. The endpoint is plain HTTP on the sandbox's
// own loopback, so this is one keep-alive TCP socket, blocking calls bounded by poll(), and no TLS
// or executors: about a tenth of the instructions per exchange of the general client
// (http::Client), on the path every invocation takes twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/deadline.h"
#include "common/dns.h"
#include "common/expected.h"
#include "http/client.h"
#include "lambda/response_reader.h"

namespace streamcache::lambda::detail {

struct RuntimeConnectionOptions {
  std::chrono::milliseconds connect_timeout{3000};
  // A sandbox frozen between invocations can find its socket dead: reconnect past this idle time.
  std::chrono::milliseconds max_idle{30000};
  std::size_t max_response_bytes = std::size_t{64} << 20;
};

class RuntimeConnection {
 public:
  RuntimeConnection(http::Url origin, RuntimeConnectionOptions options);
  ~RuntimeConnection();
  RuntimeConnection(const RuntimeConnection&) = delete;
  RuntimeConnection& operator=(const RuntimeConnection&) = delete;

  // One request and its whole response within `timeout` (zero: no limit, for /next's long poll).
  // Host and Content-Length are added. A GET or replay-safe request whose reused connection broke
  // before any byte of the answer is sent once more on a new connection.
  Expected<http::Response, http::Error> send(const http::Request& request,
                                             std::chrono::milliseconds timeout);
  void close();

 private:
  Expected<void, http::Error> connect(Deadline deadline);
  Expected<http::Response, http::Error> exchange(const http::Request& request, Deadline deadline,
                                                 bool& may_resend);
  Expected<void, http::Error> write_request(const http::Request& request, Deadline deadline);
  Expected<void, http::Error> wait_for(short events, Deadline deadline, const char* what);

  http::Url origin_;
  RuntimeConnectionOptions options_;
  std::string where_;  // "host:port", for messages
  std::string host_header_;
  dns::Resolver resolver_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point idle_since_;
  std::string head_;  // the request head, reused
  ResponseReader reader_;
};

}  // namespace streamcache::lambda::detail
