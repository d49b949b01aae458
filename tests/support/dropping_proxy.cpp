#include "support/dropping_proxy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace streamcache::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kIoTimeout = std::chrono::seconds(30);  // a stuck peer fails a test, never hangs it
constexpr int kPollMs = 50;  // how soon a waiting thread notices that the proxy is stopping
constexpr auto npos = std::string::npos;

// Closes its descriptor on every path out of a connection's thread.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

// What the proxy needs from a message head to find the message's end; the bytes go on unchanged.
struct Head {
  std::size_t size = 0;  // through the blank line
  std::string first_line;
  std::optional<std::size_t> content_length;
  bool chunked = false;
  bool close = false;  // Connection: close, or a response that ends when the upstream closes
  std::string target;  // X-Amz-Target
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Head parse_head(const std::string& data, std::size_t blank_line) {
  Head head;
  head.size = blank_line + 4;
  std::size_t end = data.find("\r\n");
  head.first_line = data.substr(0, end);
  for (std::size_t pos = end + 2; pos < blank_line; pos = end + 2) {
    end = data.find("\r\n", pos);
    const std::string line = data.substr(pos, end - pos);
    const std::size_t colon = line.find(':');
    if (colon == npos) continue;
    const std::size_t start = line.find_first_not_of(" \t", colon + 1);
    std::string value = start == npos ? "" : line.substr(start);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.pop_back();
    const std::string name = lower(line.substr(0, colon));
    if (name == "content-length") head.content_length = std::stoul(value);
    if (name == "transfer-encoding") head.chunked = lower(value).find("chunked") != npos;
    if (name == "connection") head.close = lower(value).find("close") != npos;
    if (name == "x-amz-target") head.target = value;
  }
  return head;
}

// Where a chunked body that starts at `pos` ends (trailers included), or nullopt if incomplete.
std::optional<std::size_t> chunked_end(const std::string& data, std::size_t pos) {
  while (true) {
    const std::size_t line_end = data.find("\r\n", pos);
    if (line_end == npos) return std::nullopt;
    const std::size_t size = std::stoul(data.substr(pos, line_end - pos), nullptr, 16);
    if (size == 0) {  // the last chunk: optional trailers, then a blank line
      const std::size_t blank = data.find("\r\n\r\n", line_end);
      return blank == npos ? std::nullopt : std::optional(blank + 4);
    }
    pos = line_end + 2 + size + 2;
    if (pos > data.size()) return std::nullopt;
  }
}

// Waits for `events` until the deadline; false when it passed or the proxy is stopping.
bool wait_for(int fd, short events, Clock::time_point deadline, const std::atomic<bool>& stop) {
  while (!stop && Clock::now() < deadline) {
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready > 0) return true;  // readiness, hang-up or error: the next recv/send tells which
    if (ready < 0 && errno != EINTR) return false;
  }
  return false;
}

// Appends what arrives: > 0 bytes read, 0 the peer closed, < 0 error, timeout or stop.
long read_some(int fd, std::string& data, Clock::time_point deadline,
               const std::atomic<bool>& stop) {
  char buffer[16384];
  if (!wait_for(fd, POLLIN, deadline, stop)) return -1;
  const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return read_some(fd, data, deadline, stop);  // spurious wake-up
  if (n > 0) data.append(buffer, static_cast<std::size_t>(n));
  return n;
}

bool write_all(int fd, std::string_view bytes, Clock::time_point deadline,
               const std::atomic<bool>& stop) {
  while (!bytes.empty()) {
    if (!wait_for(fd, POLLOUT, deadline, stop)) return false;
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

struct Message {
  Head head;
  std::string bytes;
};

// Reads one whole message; bytes past its end (a pipelined request) stay in `buffer`.
// `bodyless`: a response to HEAD, or a 204/304 answer (its status is checked here). No 1xx:
// the clients never send Expect: 100-continue.
std::optional<Message> read_message(int fd, std::string& buffer, bool is_request, bool bodyless,
                                    Clock::time_point deadline, const std::atomic<bool>& stop) {
  std::size_t blank_line = npos;
  while ((blank_line = buffer.find("\r\n\r\n")) == npos) {
    if (read_some(fd, buffer, deadline, stop) <= 0) return std::nullopt;
  }
  Message message{parse_head(buffer, blank_line), {}};
  const Head& head = message.head;
  if (!is_request && head.first_line.size() >= 12) {
    const std::string_view status = std::string_view(head.first_line).substr(9, 3);
    bodyless = bodyless || status == "204" || status == "304";
  }
  // A request without Content-Length or chunking has no body; such a response runs to EOF.
  bodyless = bodyless || (is_request && !head.chunked && !head.content_length);
  const bool framed = bodyless || head.chunked || head.content_length;
  while (true) {
    std::optional<std::size_t> end;
    if (bodyless) {
      end = head.size;
    } else if (head.chunked) {
      end = chunked_end(buffer, head.size);
    } else if (head.content_length && buffer.size() >= head.size + *head.content_length) {
      end = head.size + *head.content_length;
    }
    if (end) {
      message.bytes = buffer.substr(0, *end);
      buffer.erase(0, *end);
      return message;
    }
    const long n = read_some(fd, buffer, deadline, stop);
    if (n == 0 && !framed) {  // an unframed response is complete when the upstream closes
      message.head.close = true;
      message.bytes = std::exchange(buffer, {});
      return message;
    }
    if (n <= 0) return std::nullopt;
  }
}

}  // namespace

DroppingProxy::DroppingProxy(std::string upstream_host, int upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT: C API
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {  // NOLINT
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("DroppingProxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

DroppingProxy::~DroppingProxy() {
  stopping_ = true;
  acceptor_.join();  // after this no worker is added, so workers_ is ours alone
  for (auto& worker : workers_)
    worker.thread.join();
  ::close(listen_fd_);
}

void DroppingProxy::drop_next(std::string target_substring, int count) {
  if (count <= 0) return;
  std::lock_guard lock(mutex_);
  rules_.push_back(Rule{std::move(target_substring), count, 0.0, {}});
}

void DroppingProxy::drop_with_probability(std::string target_substring, double p,
                                          std::uint64_t seed) {
  std::lock_guard lock(mutex_);
  rules_.push_back(Rule{std::move(target_substring), 0, p, std::mt19937_64(seed)});
}

// Rules are tried in the order they were added; the first that fires drops the answer.
bool DroppingProxy::should_drop(const std::string& target) {
  std::lock_guard lock(mutex_);
  for (auto rule = rules_.begin(); rule != rules_.end(); ++rule) {
    if (target.find(rule->substring) == npos) continue;
    if (rule->remaining > 0) {
      if (--rule->remaining == 0) rules_.erase(rule);
      return true;
    }
    // 53 random bits as a double in [0, 1): unlike uniform_real_distribution, the same on every
    // standard library, so a seed reproduces the same drops everywhere.
    const double draw = static_cast<double>(rule->random() >> 11) * 0x1.0p-53;
    if (rule->probability > 0.0 && draw < rule->probability) return true;
  }
  return false;
}

void DroppingProxy::accept_loop() {
  while (!stopping_) {
    // Join finished connections: moto closes each one, so a long test would pile up threads.
    for (auto worker = workers_.begin(); worker != workers_.end();) {
      if (!worker->done) {
        ++worker;
        continue;
      }
      worker->thread.join();
      worker = workers_.erase(worker);
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;  // a timeout, so the stop flag is seen
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    Worker& worker = workers_.emplace_back();
    worker.thread = std::thread([this, fd, &worker] {
      serve(fd);
      worker.done = true;
    });
  }
}

int DroppingProxy::connect_upstream() const {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(upstream_port_);
  if (::getaddrinfo(upstream_host_.c_str(), service.c_str(), &hints, &found) != 0) return -1;
  // Non-blocking, so a full accept backlog upstream costs a timeout, not minutes of SYN retries.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
  const int connect_errno = errno;
  ::freeaddrinfo(found);
  if (rc != 0 && fd >= 0 && connect_errno == EINPROGRESS &&
      wait_for(fd, POLLOUT, Clock::now() + kIoTimeout, stopping_)) {
    int error = 0;
    socklen_t len = sizeof error;
    rc = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0 ? 0 : -1;
  }
  if (rc != 0 && fd >= 0) ::close(fd);
  return rc == 0 ? fd : -1;
}

void DroppingProxy::serve(int client_fd) {
  Socket client{client_fd};
  Socket upstream;  // opened with the first request, one per client connection
  std::string from_client;
  std::string from_upstream;
  try {
    while (!stopping_) {
      // An idle keep-alive client gets kIoTimeout to send its next request, like a server's.
      auto request =
          read_message(client.fd, from_client, true, false, Clock::now() + kIoTimeout, stopping_);
      if (!request) return;
      if (stalling_) {
        ++stalled_;
        // Hold the connection without a byte until the client closes it (or the proxy stops).
        std::string ignored;
        while (read_some(client.fd, ignored, Clock::now() + kIoTimeout, stopping_) > 0)
          ignored.clear();
        return;
      }
      if (upstream.fd < 0 && (upstream.fd = connect_upstream()) < 0) return;
      const bool drop = should_drop(request->head.target);  // decided as the request arrives
      const auto deadline = Clock::now() + kIoTimeout;
      if (!write_all(upstream.fd, request->bytes, deadline, stopping_)) return;
      const bool head_request = request->head.first_line.starts_with("HEAD ");
      auto response =
          read_message(upstream.fd, from_upstream, false, head_request, deadline, stopping_);
      if (!response) return;  // the upstream failed: the client sees its connection close
      if (drop) {
        ++dropped_;  // the whole answer arrived, so the write committed; the client gets nothing
        return;
      }
      ++forwarded_;  // before sending: a client holding its answer must find it counted
      if (!write_all(client.fd, response->bytes, deadline, stopping_)) return;
      // Either side said the connection ends here (moto answers Connection: close every time).
      if (request->head.close || response->head.close) return;
    }
  } catch (const std::exception&) {  // a malformed length: end this connection, not the process
  }
}  // Socket closes both: to the client, a dropped answer is a connection closed without a byte

}  // namespace streamcache::testing
