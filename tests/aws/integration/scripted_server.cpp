#include "scripted_server.h"

#include <algorithm>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace streamcache::testing {

ScriptedServer::ScriptedServer(std::vector<Step> script) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT: C API
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {  // NOLINT
    throw std::runtime_error("ScriptedServer: cannot listen");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
}

std::vector<std::string> ScriptedServer::heads() const {
  std::lock_guard lock(mutex_);
  return heads_;
}

void ScriptedServer::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    while (!stopping_ && handle(fd)) {
    }
    ::close(fd);
  }
}

// Reads one request and answers it; false when the connection is done.
bool ScriptedServer::handle(int fd) {
  std::string data;
  char buffer[65536];
  std::size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      if (stopping_) return false;
      continue;
    }
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<std::size_t>(n));
    head_end = data.find("\r\n\r\n");
  }
  std::string head = data.substr(0, head_end);
  std::size_t content_length = 0;
  for (std::size_t pos = 0; (pos = head.find('\n', pos)) != std::string::npos; ++pos) {
    std::string line = head.substr(pos + 1, head.find('\r', pos + 1) - pos - 1);
    if (line.size() > 15 && ::strncasecmp(line.c_str(), "content-length:", 15) == 0) {
      content_length = std::stoul(line.substr(15));
    }
  }
  while (data.size() < head_end + 4 + content_length) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  const int index = requests_++;
  {
    std::lock_guard lock(mutex_);
    heads_.push_back(head);
  }
  const Step& step =
      script_.at(std::min<std::size_t>(static_cast<std::size_t>(index), script_.size() - 1));
  if (!step.raw.empty()) {
    ::send(fd, step.raw.data(), step.raw.size(), MSG_NOSIGNAL);
    return !step.close_after;
  }
  if (step.status == 0) return false;  // drop: close without a response
  if (step.status < 0) {               // stall: hold the connection until the client gives up
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0 && ::recv(fd, buffer, sizeof buffer, 0) <= 0) break;
    }
    return false;
  }
  std::string response = "HTTP/1.1 " + std::to_string(step.status) + " Scripted\r\n";
  for (const auto& [name, value] : step.headers)
    response += name + ": " + value + "\r\n";
  response += "Content-Type: application/x-amz-json-1.0\r\nContent-Length: " +
              std::to_string(step.body.size()) + "\r\n\r\n" + step.body;
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  return !step.close_after;
}

}  // namespace streamcache::testing
