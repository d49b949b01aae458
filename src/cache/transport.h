// Internal to src/cache: a non-blocking TCP socket, optionally wrapped in TLS. Opening it is
// bounded by a deadline (poll); reads and writes never wait, so the caller polls one or many.
// Writes never raise SIGPIPE: send(MSG_NOSIGNAL), also under TLS through a socket BIO of our own
// (OpenSSL's own BIO uses write()).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/bio.h>
#include <openssl/types.h>
#include <poll.h>

#include "cache/error.h"
#include "cache/redis_connection.h"
#include "common/dns.h"
#include "common/expected.h"

namespace streamcache::cache::detail {

using Clock = std::chrono::steady_clock;

struct Deadline {
  Clock::time_point at;
  static Deadline after(std::chrono::milliseconds duration) { return {Clock::now() + duration}; }
  // Milliseconds left for poll(), rounded up so it never wakes early; 0 once passed.
  [[nodiscard]] int poll_ms() const;
};

// Why an exchange failed: a timeout, or a broken connection (reset, closed, TLS failure).
struct IoError {
  enum class Kind : std::uint8_t { timeout, lost } kind = Kind::lost;
  std::string detail;  // "connection reset by peer", "closed by the server"
};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_ = -1;
};

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
struct SslFree {
  void operator()(SSL* ssl) const;
};
struct BioMethodFree {
  void operator()(BIO_METHOD* method) const;
};

// Client TLS settings shared by every connection attempt of one RedisConnection.
class TlsContext {
 public:
  static Expected<TlsContext, Error> create(const TlsOptions& options);
  [[nodiscard]] SSL_CTX* ctx() const { return ctx_.get(); }
  [[nodiscard]] const BIO_METHOD* bio_method() const { return bio_method_.get(); }

 private:
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<BIO_METHOD, BioMethodFree> bio_method_;
};

class Transport {
 public:
  // Resolves the host (bounded by `deadline` too) and tries each address until one connects;
  // then the TLS handshake (with peer and host name verification unless turned off) when `tls`
  // is given.
  static Expected<Transport, Error> open(const ConnectionOptions& options, const TlsContext* tls,
                                         dns::Resolver& resolver, Deadline deadline);

  // The non-blocking halves of an exchange, so one poll() can serve many transports
  // (RedisConnection::pipeline_each). Neither waits: each does what the socket (and TLS) allows
  // now.
  [[nodiscard]] int fd() const { return fd_.get(); }
  // Bytes of `bytes` written now; 0 when nothing can be: poll for write_events(), then call again
  // with the same unwritten bytes (TLS requires it).
  Expected<std::size_t, IoError> try_write(std::string_view bytes);
  // Bytes read now, or 0 when nothing is there yet: poll for read_events(). End of stream is an
  // error (Redis never closes first).
  Expected<std::size_t, IoError> try_read(char* buffer, std::size_t capacity);
  // Decrypted bytes waiting inside TLS: poll() cannot see them, so read them first.
  [[nodiscard]] bool buffered() const;
  // What poll() must wait for before the next try_write / try_read: POLLOUT and POLLIN, unless
  // TLS needs the other direction first (a renegotiation or key update).
  [[nodiscard]] short write_events() const { return write_events_; }
  [[nodiscard]] short read_events() const { return read_events_; }

 private:
  Transport(Fd fd, std::unique_ptr<SSL, SslFree> ssl);
  // The TLS call's outcome: bytes done, 0 to wait for `events`, or why the connection is lost.
  Expected<std::size_t, IoError> tls_result(int rc, std::size_t done, short& events);

  Fd fd_;
  std::unique_ptr<SSL, SslFree> ssl_;
  short write_events_ = POLLOUT;
  short read_events_ = POLLIN;
};

}  // namespace streamcache::cache::detail
