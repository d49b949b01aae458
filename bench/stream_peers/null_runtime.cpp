#include "stream_peers/null_runtime.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace streamcache::bench {

namespace {

constexpr std::string_view kNext =
    "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n";

// The value of header `name` (lower-case) in `head`, or empty.
std::string_view header(std::string_view head, std::string_view name) {
  std::size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    const auto colon = head.find(':', at);
    const auto end = head.find("\r\n", at);
    if (colon == std::string_view::npos || colon > end) continue;
    std::string_view key = head.substr(at, colon - at);
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(key[i])) == name[i];
    if (!same) continue;
    std::string_view value = head.substr(colon + 1, end - colon - 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    return value;
  }
  return {};
}

}  // namespace

NullRuntime::NullRuntime(int port, std::string response)
    : port_(port), response_(std::move(response)), thread_([this] { loop(); }) {}

NullRuntime::~NullRuntime() {
  stopping_ = true;
  // Ends a recv blocked in a held /next; the server notices the closed peer and lets go.
  if (const int fd = fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  thread_.join();
}

// Sends `request`, reads one whole response (headers and Content-Length body) into buffer_'s
// front, and returns its request id header. False when the connection ended.
bool NullRuntime::exchange(const std::string& request, std::string& request_id) {
  const int fd = fd_.load();
  for (std::string_view rest = request; !rest.empty();) {
    const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  char chunk[64 * 1024];
  std::size_t head_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    if (head_end == std::string::npos &&
        (head_end = buffer_.find("\r\n\r\n")) != std::string::npos) {
      const std::string_view head(buffer_.data(), head_end);
      const std::string_view text = header(head, "content-length");
      std::from_chars(text.data(), text.data() + text.size(), length);
      request_id = std::string(header(head, "lambda-runtime-aws-request-id"));
    }
    if (head_end != std::string::npos && buffer_.size() >= head_end + 4 + length) break;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  buffer_.erase(0, head_end + 4 + length);
  return true;
}

void NullRuntime::loop() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  fd_ = fd;
  if (stopping_ ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {  // NOLINT
    ::close(fd);
    return;
  }
  std::string id, ignored;
  while (!stopping_ && exchange(std::string(kNext), id)) {
    const std::string post = "POST /2018-06-01/runtime/invocation/" + id +
                             "/response HTTP/1.1\r\nHost: runtime\r\nContent-Type: "
                             "application/json\r\nContent-Length: " +
                             std::to_string(response_.size()) + "\r\n\r\n" + response_;
    if (!exchange(post, ignored)) break;
  }
  ::close(fd);
}

}  // namespace streamcache::bench
