// Sends segment documents to the X-Ray daemon over UDP, fire and forget: Lambda runs the daemon
// at AWS_XRAY_DAEMON_ADDRESS ("169.254.79.129:2000", or "tcp:host:port udp:host:port").
#pragma once

#include <string>
#include <string_view>

#include <netinet/in.h>

#include "common/expected.h"

namespace streamcache::tracing {

// The UDP address in AWS_XRAY_DAEMON_ADDRESS: "host:port" or the "tcp:... udp:..." pair (either
// order). The host must be an IPv4 address (Lambda's is); errors say what was wrong.
Expected<sockaddr_in, std::string> parse_daemon_address(std::string_view text);

class UdpEmitter {
 public:
  static Expected<UdpEmitter, std::string> connect(const sockaddr_in& address);
  ~UdpEmitter();
  UdpEmitter(UdpEmitter&& other) noexcept;
  UdpEmitter& operator=(UdpEmitter&& other) noexcept;
  UdpEmitter(const UdpEmitter&) = delete;
  UdpEmitter& operator=(const UdpEmitter&) = delete;

  // One datagram, never blocking; false when it was not sent (too large, buffer full, no
  // daemon). Tracing is best effort: the caller goes on either way.
  bool send(std::string_view document);

 private:
  explicit UdpEmitter(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace streamcache::tracing
