#include "local/trace_receiver.h"

#include <cerrno>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <unistd.h>

#include "json/json.h"

namespace streamcache::local {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::size_t kMaxDatagram = 64 * 1024;  // the daemon's limit

}  // namespace

std::optional<std::string> daemon_document(std::string_view datagram) {
  const auto newline = datagram.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  auto header = json::parse(datagram.substr(0, newline));
  if (!header || !header->is_object() || header->get_string("format") != "json") {
    return std::nullopt;
  }
  std::string_view document = datagram.substr(newline + 1);
  while (!document.empty() &&
         (document.back() == '\n' || document.back() == '\r' || document.back() == ' '))
    document.remove_suffix(1);
  auto parsed = json::parse(document);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  if (document.find_first_of("\r\n") != std::string_view::npos) return json::serialize(*parsed);
  return std::string(document);
}

TraceReceiver::TraceReceiver(asio::io_context& io, std::filesystem::path file)
    : socket_(io), file_(std::move(file)) {}

TraceReceiver::~TraceReceiver() {
  stop();
  if (fd_ >= 0) ::close(fd_);
}

Expected<void, std::string> TraceReceiver::open() {
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return unexpected("cannot open " + file_.string() + " for traces: " + std::strerror(errno));
  }
  boost::system::error_code error;
  socket_.open(udp::v4(), error);
  if (!error) socket_.bind(udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0), error);
  if (error) return unexpected("cannot bind the X-Ray daemon socket: " + error.message());
  return {};
}

void TraceReceiver::start() {
  asio::co_spawn(socket_.get_executor(), receive_loop(), asio::detached);
}

void TraceReceiver::stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

std::string TraceReceiver::address() const {
  boost::system::error_code ec;
  const auto endpoint = socket_.local_endpoint(ec);
  return "127.0.0.1:" + std::to_string(ec ? 0 : endpoint.port());
}

void TraceReceiver::record(std::string_view document) {
  if (fd_ < 0) return;
  std::string line(document);
  line.push_back('\n');
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++stats_.dropped;  // a full disk loses traces, never the stack
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  ++stats_.recorded;
}

asio::awaitable<void> TraceReceiver::receive_loop() {
  std::string buffer(kMaxDatagram, '\0');
  while (socket_.is_open()) {
    udp::endpoint sender;
    auto [ec, n] = co_await socket_.async_receive_from(asio::buffer(buffer.data(), buffer.size()),
                                                       sender, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !socket_.is_open()) co_return;
      continue;
    }
    if (auto document = daemon_document(std::string_view(buffer.data(), n))) {
      record(*document);
    } else {
      ++stats_.dropped;
    }
  }
}

}  // namespace streamcache::local
