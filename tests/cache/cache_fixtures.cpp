#include "cache_fixtures.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/process.h"

namespace streamcache::cache::testing {
namespace {

// A listening socket on 127.0.0.1 with a kernel-chosen port.
int listen_loopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);  // NOLINT: the sockets API
  if (::bind(fd, generic, sizeof address) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, generic, &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on loopback");
  }
  port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

ConnectionOptions local_options(int port) {
  ConnectionOptions options;
  options.endpoint.host = "127.0.0.1";
  options.endpoint.port = static_cast<std::uint16_t>(port);
  options.connect_timeout = std::chrono::seconds(2);
  options.command_timeout = std::chrono::seconds(2);
  options.reconnect_backoff_min = std::chrono::milliseconds(5);
  options.reconnect_backoff_max = std::chrono::milliseconds(40);
  return options;
}

std::string numbered(std::string_view prefix, long long n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

std::uint64_t test_seed() {
  if (const char* text = std::getenv("STREAMCACHE_TEST_SEED"); text != nullptr && *text != 0) {
    return std::strtoull(text, nullptr, 10);
  }
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

BlackHole::BlackHole() {
  fd_ = listen_loopback(port_);
}
BlackHole::~BlackHole() {
  ::close(fd_);
}

FakeServer::FakeServer(std::string reply) : reply_(std::move(reply)) {
  fd_ = listen_loopback(port_);
  thread_ = std::thread([this] { serve(); });
}

FakeServer::~FakeServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

void FakeServer::serve() {
  std::vector<int> clients;
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;  // wakes to check stop_
    const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    clients.push_back(client);
    pollfd c{client, POLLIN, 0};
    while (!stop_ && ::poll(&c, 1, 20) == 0) {
    }
    char buffer[4096];
    if (::recv(client, buffer, sizeof buffer, 0) > 0) {
      (void)::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    }
  }
  for (int client : clients)
    ::close(client);
}

}  // namespace streamcache::cache::testing
