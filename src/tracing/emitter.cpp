#include "tracing/emitter.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tracing/segment.h"

namespace streamcache::tracing {

namespace {

Expected<sockaddr_in, std::string> parse_host_port(std::string_view text, std::string_view whole) {
  const auto colon = text.rfind(':');
  const auto bad = [&](std::string_view why) {
    return unexpected("AWS_XRAY_DAEMON_ADDRESS is '" + std::string(whole) +
                      "': " + std::string(why));
  };
  if (colon == std::string_view::npos || colon == 0) return bad("expected host:port");
  const std::string host(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const std::string ip = host == "localhost" ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, ip.c_str(), &address.sin_addr) != 1) {
    return bad("the host must be an IPv4 address");
  }
  return address;
}

}  // namespace

Expected<sockaddr_in, std::string> parse_daemon_address(std::string_view text) {
  if (text.find(' ') == std::string_view::npos) return parse_host_port(text, text);
  // "tcp:127.0.0.1:2000 udp:127.0.0.2:2001": segments go to the udp one.
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string_view part = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (part.starts_with("udp:")) return parse_host_port(part.substr(4), text);
  }
  return unexpected("AWS_XRAY_DAEMON_ADDRESS is '" + std::string(text) +
                    "': expected host:port or 'tcp:host:port udp:host:port'");
}

Expected<UdpEmitter, std::string> UdpEmitter::connect(const sockaddr_in& address) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(std::string("X-Ray daemon socket: ") + std::strerror(errno));
  // Connected: each send is one syscall without an address lookup.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    return unexpected(std::string("X-Ray daemon address: ") + std::strerror(error));
  }
  return UdpEmitter(fd);
}

UdpEmitter::~UdpEmitter() {
  if (fd_ >= 0) ::close(fd_);
}

UdpEmitter::UdpEmitter(UdpEmitter&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

UdpEmitter& UdpEmitter::operator=(UdpEmitter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

bool UdpEmitter::send(std::string_view document) {
  const std::string datagram = daemon_datagram(document);
  if (datagram.empty() || fd_ < 0) return false;
  for (;;) {
    const ssize_t sent = ::send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return true;
    if (errno != EINTR) return false;  // ECONNREFUSED (no daemon), EAGAIN: the segment is lost
  }
}

}  // namespace streamcache::tracing
