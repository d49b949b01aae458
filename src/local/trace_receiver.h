// The local stand-in for the X-Ray daemon: a UDP socket on 127.0.0.1 that takes the functions'
// segment documents (the daemon protocol: a JSON header line, then the document) and appends
// each one, as received, as one line of <work_dir>/traces.jsonl; the local Lambda service
// appends the function segments it creates to the same file. Runs on the host's io thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "common/expected.h"

namespace streamcache::local {

// The document of one daemon datagram: the header line must be a JSON object with
// "format":"json", the rest one JSON object, kept as sent unless it spans lines (then written
// compactly, so the file stays one document per line). nullopt for anything else (dropped).
std::optional<std::string> daemon_document(std::string_view datagram);

struct TraceStats {
  std::int64_t recorded = 0;
  std::int64_t dropped = 0;
};

class TraceReceiver {
 public:
  TraceReceiver(boost::asio::io_context& io, std::filesystem::path file);
  ~TraceReceiver();
  TraceReceiver(const TraceReceiver&) = delete;
  TraceReceiver& operator=(const TraceReceiver&) = delete;

  // Binds 127.0.0.1 on a free port and opens the file for appending (created when missing).
  Expected<void, std::string> open();
  void start();  // receives until stop()
  void stop();

  // "127.0.0.1:port", the functions' AWS_XRAY_DAEMON_ADDRESS.
  [[nodiscard]] std::string address() const;
  // Appends one document as one line (one write(2), so a reader tailing the file sees whole
  // lines).
  void record(std::string_view document);
  [[nodiscard]] TraceStats stats() const { return stats_; }
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  boost::asio::awaitable<void> receive_loop();

  boost::asio::ip::udp::socket socket_;
  std::filesystem::path file_;
  int fd_ = -1;
  TraceStats stats_;
};

}  // namespace streamcache::local
