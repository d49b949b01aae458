#include "cache/transport.h"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace streamcache::cache::detail {
namespace {

std::string errno_text(int error) {
  char buffer[128];
  // GNU strerror_r returns the message (possibly not in buffer); thread-safe unlike strerror.
  return ::strerror_r(error, buffer, sizeof buffer);
}

// The newest OpenSSL error's reason ("wrong version number"), and clears the queue.
std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  unsigned long last = code;
  while (code != 0) {
    last = code;
    code = ERR_get_error();
  }
  if (last == 0) return "unknown TLS error";
  if (const char* reason = ERR_reason_error_string(last)) return reason;
  char buffer[256];
  ERR_error_string_n(last, buffer, sizeof buffer);
  return buffer;
}

// Waits until `fd` is ready for `events` or the deadline passes.
Expected<void, IoError> wait_ready(int fd, short events, Deadline deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, deadline.poll_ms());
    if (ready > 0) return {};  // POLLERR/POLLHUP too: the next call reports the cause
    if (ready == 0) return unexpected(IoError{IoError::Kind::timeout, "timed out"});
    if (errno != EINTR) return unexpected(IoError{IoError::Kind::lost, errno_text(errno)});
  }
}

int bio_fd(BIO* bio) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

// The BIO methods: send(MSG_NOSIGNAL) and recv on a non-blocking socket, errno left intact.
int bio_write(BIO* bio, const char* data, size_t length, size_t* written) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(bio_fd(bio), data, length, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<size_t>(n);
    return 1;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
  return 0;
}

int bio_read(BIO* bio, char* data, size_t length, size_t* read) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(bio_fd(bio), data, length, 0);
  if (n > 0) {
    *read = static_cast<size_t>(n);
    return 1;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_read(bio);
  }
  return 0;  // n == 0: end of stream, which SSL reports as EOF
}

long bio_ctrl(BIO* bio, int command, long /*num*/, void* /*ptr*/) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_C_GET_FD:
      return bio_fd(bio);
    default:
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

bool is_ip_literal(const std::string& host) {
  in6_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

Unexpected<Error> unavailable(std::string message) {
  return unexpected(Error{ErrorCode::unavailable, std::move(message)});
}

Unexpected<Error> tls_error(std::string message) {
  return unexpected(Error{ErrorCode::tls, std::move(message)});
}

// One address: non-blocking connect bounded by the deadline.
Expected<Fd, std::string> connect_address(const addrinfo& address, Deadline deadline) {
  Fd fd(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 address.ai_protocol));
  if (fd.get() < 0) return unexpected(errno_text(errno));
  if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return unexpected(errno_text(errno));
    if (auto ready = wait_ready(fd.get(), POLLOUT, deadline); !ready) {
      return unexpected(std::move(ready).error().detail);
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) return unexpected(errno_text(error));
  }
  const int on = 1;
  // Requests are small and latency-bound: never wait for Nagle. Keepalive finds dead peers of
  // idle connections (a Lambda instance may sit frozen for minutes).
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  const int idle_seconds = 60;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds, sizeof idle_seconds);
  return fd;
}

Expected<Fd, Error> connect_tcp(const ConnectionOptions& options, dns::Resolver& resolver,
                                Deadline deadline) {
  const RedisEndpoint& endpoint = options.endpoint;
  auto addresses = resolver.resolve(endpoint.host, std::to_string(endpoint.port),
                                    streamcache::Deadline::at(deadline.at));
  if (!addresses) {
    return unavailable("redis " + endpoint.address() + ": " + addresses.error().message);
  }
  std::string last_error = "no address";
  for (const addrinfo* a = addresses->get(); a != nullptr; a = a->ai_next) {
    auto fd = connect_address(*a, deadline);
    if (fd) return std::move(*fd);
    last_error = std::move(fd.error());
    if (deadline.poll_ms() == 0) break;
  }
  if (last_error == "timed out") {
    return unavailable("redis " + endpoint.address() + ": connect timed out after " +
                       std::to_string(options.connect_timeout.count()) + " ms");
  }
  return unavailable("redis " + endpoint.address() + ": connect failed: " + last_error);
}

Expected<std::unique_ptr<SSL, SslFree>, Error> handshake(const ConnectionOptions& options,
                                                         const TlsContext& tls, int fd,
                                                         Deadline deadline) {
  const std::string where = "redis " + options.endpoint.address() + ": TLS handshake: ";
  ERR_clear_error();
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(tls.ctx()));
  BIO* bio = ssl ? BIO_new(tls.bio_method()) : nullptr;
  if (!bio) return tls_error(where + "cannot create the session: " + openssl_reason());
  // The fd itself rides in the data pointer: the Transport holding it moves after the handshake.
  BIO_set_data(bio, reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
                        static_cast<std::intptr_t>(fd)));
  SSL_set_bio(ssl.get(), bio, bio);  // the SSL owns the BIO; the BIO does not own the fd

  const std::string& name =
      options.tls.server_name.empty() ? options.endpoint.host : options.tls.server_name;
  const bool ip = is_ip_literal(name);
  if (!ip) {  // SNI takes DNS names only; SSL_set_tlsext_host_name is a macro with a C cast
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
  }
  if (options.tls.verify_peer) {
    const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), name.c_str())
                      : SSL_set1_host(ssl.get(), name.c_str());
    if (ok != 1) return tls_error(where + "cannot set the name to verify '" + name + "'");
  }

  while (true) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) return ssl;
    const int saved_errno = errno;
    const int error = SSL_get_error(ssl.get(), rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      auto ready = wait_ready(fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
      if (ready) continue;
      if (ready.error().kind == IoError::Kind::timeout) {
        return unavailable(where + "timed out after " +
                           std::to_string(options.connect_timeout.count()) +
                           " ms (is TLS enabled on this port?)");
      }
      return unavailable(where + ready.error().detail);
    }
    const long verify = SSL_get_verify_result(ssl.get());
    if (options.tls.verify_peer && verify != X509_V_OK) {
      std::string message = where;
      message += "server certificate rejected for '";
      message += name;
      message += "': ";
      message += X509_verify_cert_error_string(verify);
      message +=
          "; trust its CA with tls.ca_file (or SSL_CERT_FILE), or set tls.server_name to the "
          "name in the certificate";
      return tls_error(std::move(message));
    }
    if (error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN) {
      ERR_clear_error();
      if (saved_errno != 0 && error == SSL_ERROR_SYSCALL) {
        return unavailable(where + errno_text(saved_errno));
      }
      return unavailable(where + "closed by the server (is TLS enabled on this port?)");
    }
    return tls_error(where + openssl_reason() +
                     " (is TLS enabled on this port? use redis:// for plain TCP)");
  }
}

}  // namespace

int Deadline::poll_ms() const {
  const auto left = at - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void SslCtxFree::operator()(SSL_CTX* ctx) const {
  SSL_CTX_free(ctx);
}
void SslFree::operator()(SSL* ssl) const {
  SSL_free(ssl);
}
void BioMethodFree::operator()(BIO_METHOD* method) const {
  BIO_meth_free(method);
}

Expected<TlsContext, Error> TlsContext::create(const TlsOptions& options) {
  ERR_clear_error();
  TlsContext context;
  context.ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!context.ctx_) return tls_error("cannot create a TLS context: " + openssl_reason());
  SSL_CTX* ctx = context.ctx_.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A truncated reply is caught by the RESP parser; a missing close_notify is just "closed".
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // A large pipeline is written a record at a time between reads (a pipeline bigger than the
  // socket buffers must not wait for the whole of it); after WANT_WRITE the retry passes the same
  // unwritten bytes, whose address need not be the same.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (options.verify_peer) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    const int loaded = options.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx)
                           : SSL_CTX_load_verify_file(ctx, options.ca_file.c_str());
    if (loaded != 1) {
      return tls_error(
          "cannot load the CA bundle '" +
          (options.ca_file.empty() ? std::string("(OpenSSL default paths)") : options.ca_file) +
          "': " + openssl_reason() + "; set tls.ca_file or SSL_CERT_FILE");
    }
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }

  // OpenSSL has ~127 BIO type indices per process: take one once, not one per connection.
  static const int index = BIO_get_new_index();
  if (index == -1) return tls_error("cannot register the socket BIO: " + openssl_reason());
  context.bio_method_.reset(BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "streamcache socket"));
  BIO_METHOD* method = context.bio_method_.get();
  if (method == nullptr || BIO_meth_set_write_ex(method, bio_write) != 1 ||
      BIO_meth_set_read_ex(method, bio_read) != 1 || BIO_meth_set_ctrl(method, bio_ctrl) != 1 ||
      BIO_meth_set_create(method, bio_create) != 1) {
    return tls_error("cannot create the socket BIO: " + openssl_reason());
  }
  return context;
}

Transport::Transport(Fd fd, std::unique_ptr<SSL, SslFree> ssl)
    : fd_(std::move(fd)), ssl_(std::move(ssl)) {}

Expected<Transport, Error> Transport::open(const ConnectionOptions& options, const TlsContext* tls,
                                           dns::Resolver& resolver, Deadline deadline) {
  auto fd = connect_tcp(options, resolver, deadline);
  if (!fd) return unexpected(std::move(fd).error());
  if (tls == nullptr) return Transport(std::move(*fd), nullptr);
  auto ssl = handshake(options, *tls, fd->get(), deadline);
  if (!ssl) return unexpected(std::move(ssl).error());
  return Transport(std::move(*fd), std::move(*ssl));
}

Expected<std::size_t, IoError> Transport::try_write(std::string_view bytes) {
  if (ssl_) {
    ERR_clear_error();
    write_events_ = POLLOUT;
    std::size_t written = 0;
    const int rc = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written);
    return tls_result(rc, written, write_events_);
  }
  while (true) {
    const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return unexpected(IoError{IoError::Kind::lost, errno_text(errno)});
  }
}

Expected<std::size_t, IoError> Transport::try_read(char* buffer, std::size_t capacity) {
  if (ssl_) {
    ERR_clear_error();
    read_events_ = POLLIN;
    std::size_t read = 0;
    const int rc = SSL_read_ex(ssl_.get(), buffer, capacity, &read);
    return tls_result(rc, read, read_events_);
  }
  while (true) {
    const ssize_t n = ::recv(fd_.get(), buffer, capacity, 0);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) return unexpected(IoError{IoError::Kind::lost, "connection closed by the server"});
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return unexpected(IoError{IoError::Kind::lost, errno_text(errno)});
  }
}

bool Transport::buffered() const {
  return ssl_ && SSL_has_pending(ssl_.get()) != 0;
}

Expected<std::size_t, IoError> Transport::tls_result(int rc, std::size_t done, short& events) {
  if (rc == 1) return done;
  const int saved_errno = errno;
  const int error = SSL_get_error(ssl_.get(), rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    events = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    return 0;
  }
  if (error == SSL_ERROR_SYSCALL && saved_errno != 0) {
    return unexpected(IoError{IoError::Kind::lost, errno_text(saved_errno)});
  }
  if (error == SSL_ERROR_SSL) {
    return unexpected(IoError{IoError::Kind::lost, "TLS: " + openssl_reason()});
  }
  return unexpected(IoError{IoError::Kind::lost, "connection closed by the server"});
}

}  // namespace streamcache::cache::detail
