#include "lambda/runtime_connection.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace streamcache::lambda::detail {

namespace {

using http::Error;
using http::ErrorKind;

// poll(2)'s timeout: -1 without a limit, else the milliseconds left rounded up (never early).
int poll_timeout(Deadline deadline) {
  if (deadline.unlimited()) return -1;
  const auto left = deadline.remaining();
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 1 << 30));
}

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace

RuntimeConnection::RuntimeConnection(http::Url origin, RuntimeConnectionOptions options)
    : origin_(std::move(origin)),
      options_(options),
      where_(origin_.host + ":" + std::to_string(origin_.port)),
      host_header_(origin_.authority()),
      reader_(options.max_response_bytes) {}

RuntimeConnection::~RuntimeConnection() {
  close();
}

void RuntimeConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Expected<void, Error> RuntimeConnection::wait_for(short events, Deadline deadline,
                                                  const char* what) {
  for (;;) {
    pollfd p{fd_, events, 0};
    const int ready = ::poll(&p, 1, poll_timeout(deadline));
    if (ready > 0) return {};
    if (ready == 0) return unexpected(Error{ErrorKind::timeout, std::string(what) + " timed out"});
    if (errno != EINTR) {
      return unexpected(Error{ErrorKind::connection_lost, "poll: " + errno_text(errno)});
    }
  }
}

Expected<void, Error> RuntimeConnection::connect(Deadline deadline) {
  close();
  const Deadline connect_deadline = deadline.min(Deadline::after(options_.connect_timeout));
  auto found = resolver_.resolve(origin_.host, std::to_string(origin_.port), connect_deadline);
  if (!found) {
    return unexpected(Error{found.error().timed_out ? ErrorKind::timeout : ErrorKind::connect,
                            found.error().message});
  }
  Error last{ErrorKind::connect, "no TCP address for " + origin_.host};
  for (const addrinfo* a = found->get(); a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    fd_ = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd_ < 0) {
      last = {ErrorKind::connect, "socket: " + errno_text(errno)};
      continue;
    }
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = {ErrorKind::connect, "cannot connect to " + where_ + ": " + errno_text(errno)};
      close();
      continue;
    }
    if (auto ready = wait_for(POLLOUT, connect_deadline, "connect"); !ready) {
      last = {ready.error().kind, "connect to " + where_ + ": " + ready.error().message};
      close();
      if (last.kind == ErrorKind::timeout) break;
      continue;
    }
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      last = {ErrorKind::connect, "cannot connect to " + where_ + ": " + errno_text(error)};
      close();
      continue;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return {};
  }
  return unexpected(std::move(last));
}

Expected<void, Error> RuntimeConnection::write_request(const http::Request& request,
                                                       Deadline deadline) {
  head_.clear();
  head_ += request.method;
  head_ += ' ';
  head_ += request.target;
  head_ += " HTTP/1.1\r\n";
  if (!http::find_header(request.headers, "host")) {
    head_ += "Host: ";
    head_ += host_header_;
    head_ += "\r\n";
  }
  for (const auto& h : request.headers) {
    head_ += h.name;
    head_ += ": ";
    head_ += h.value;
    head_ += "\r\n";
  }
  if (!http::find_header(request.headers, "content-length") &&
      (!request.body.empty() || request.method != "GET")) {
    head_ += "Content-Length: ";
    head_ += std::to_string(request.body.size());
    head_ += "\r\n";
  }
  head_ += "\r\n";

  std::array<iovec, 2> parts{{{head_.data(), head_.size()},
                              {const_cast<char*>(request.body.data()), request.body.size()}}};
  std::size_t first = 0;
  while (first < parts.size()) {
    if (parts[first].iov_len == 0) {
      ++first;
      continue;
    }
    msghdr message{};
    message.msg_iov = parts.data() + first;
    message.msg_iovlen = parts.size() - first;
    const ssize_t sent = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (auto ready = wait_for(POLLOUT, deadline, "sending the request"); !ready) return ready;
        continue;
      }
      return unexpected(Error{ErrorKind::connection_lost,
                              "sending to " + where_ + " failed: " + errno_text(errno)});
    }
    auto left = static_cast<std::size_t>(sent);
    while (first < parts.size() && left >= parts[first].iov_len) {
      left -= parts[first].iov_len;
      ++first;
    }
    if (first < parts.size()) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
      parts[first].iov_len -= left;
    }
  }
  return {};
}

Expected<http::Response, Error> RuntimeConnection::exchange(const http::Request& request,
                                                            Deadline deadline, bool& may_resend) {
  may_resend = false;
  if (auto written = write_request(request, deadline); !written) {
    may_resend = true;  // the peer answered nothing: a closed kept-alive socket looks like this
    return unexpected(std::move(written.error()));
  }
  reader_.reset();
  // The answer cannot be there yet: wait first, then read while the buffer keeps filling.
  bool readable = false;
  while (reader_.state() == ResponseReader::State::need_more) {
    if (!readable) {
      if (auto ready = wait_for(POLLIN, deadline, "waiting for the response"); !ready) {
        return unexpected(std::move(ready.error()));
      }
      readable = true;
    }
    const std::span<char> space = reader_.buffer();
    const ssize_t got = ::recv(fd_, space.data(), space.size(), 0);
    if (got > 0) {
      reader_.commit(static_cast<std::size_t>(got));
      readable = static_cast<std::size_t>(got) == space.size();
      continue;
    }
    if (got == 0) {
      may_resend = !reader_.started();
      reader_.end_of_stream();
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      readable = false;
      continue;
    }
    may_resend = !reader_.started();
    return unexpected(Error{ErrorKind::connection_lost,
                            "reading from " + where_ + " failed: " + errno_text(errno)});
  }
  if (reader_.state() == ResponseReader::State::failed) {
    return unexpected(Error{reader_.started() ? ErrorKind::protocol : ErrorKind::connection_lost,
                            reader_.error() + " (" + where_ + ")"});
  }
  return reader_.take();
}

Expected<http::Response, Error> RuntimeConnection::send(const http::Request& request,
                                                        std::chrono::milliseconds timeout) {
  const Deadline deadline = timeout.count() > 0 ? Deadline::after(timeout) : Deadline::never();
  const auto now = std::chrono::steady_clock::now();
  if (fd_ >= 0 && now - idle_since_ > options_.max_idle) close();
  const bool replay_safe = request.replay_safe || request.method == "GET";
  for (int attempt = 1;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) {
      if (auto connected = connect(deadline); !connected) {
        return unexpected(std::move(connected.error()));
      }
    }
    bool may_resend = false;
    auto response = exchange(request, deadline, may_resend);
    if (response) {
      if (reader_.keep_alive()) {
        idle_since_ = std::chrono::steady_clock::now();
      } else {
        close();
      }
      return response;
    }
    close();
    // Only a reused socket that broke before any answer, and only once.
    if (!(reused && may_resend && replay_safe && attempt == 1)) return response;
  }
}

}  // namespace streamcache::lambda::detail
