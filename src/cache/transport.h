// Internal to src/cache: a non-blocking TCP socket, optionally wrapped in TLS, whose every call is
// bounded by a deadline (poll). Writes never raise SIGPIPE: send(MSG_NOSIGNAL), also under TLS
// through a socket BIO of our own (OpenSSL's own BIO uses write()).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/bio.h>
#include <openssl/types.h>

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

  Expected<void, IoError> write_all(std::string_view bytes, Deadline deadline);
  // At least one byte, or an error; end of stream is an error (Redis never closes first).
  Expected<std::size_t, IoError> read_some(char* buffer, std::size_t capacity, Deadline deadline);

 private:
  Transport(Fd fd, std::unique_ptr<SSL, SslFree> ssl);
  Expected<std::size_t, IoError> read_plain(char* buffer, std::size_t capacity, Deadline deadline);
  Expected<std::size_t, IoError> read_tls(char* buffer, std::size_t capacity, Deadline deadline);

  Fd fd_;
  std::unique_ptr<SSL, SslFree> ssl_;
  bool more_ready_ = false;  // the last read filled the buffer: try reading before polling
};

}  // namespace streamcache::cache::detail
