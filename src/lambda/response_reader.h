// Internal: an incremental HTTP/1.1 response reader for the Runtime API connection. Fed the bytes
// as they arrive, it parses the head and frames the body (Content-Length, chunked, or until close);
// a Content-Length body is read straight into its final string, so a 6 MB event is copied once.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "http/client.h"

namespace streamcache::lambda::detail {

class ResponseReader {
 public:
  enum class State { need_more, done, failed };

  explicit ResponseReader(std::size_t max_body) : max_body_(max_body) {}

  // Starts a new response; keeps the buffers' capacity.
  void reset();
  // Where the next bytes go (never empty while need_more); then commit(how many arrived).
  std::span<char> buffer();
  State commit(std::size_t count);
  // The peer closed: ends a body read until close, fails anything else.
  State end_of_stream();

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] bool started() const { return started_; }
  // Whether the connection can carry another exchange (no "Connection: close", not HTTP/1.0,
  // no bytes after the body).
  [[nodiscard]] bool keep_alive() const { return keep_alive_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // The whole response, once done.
  http::Response take();

 private:
  enum class Phase { head, fixed_body, chunked_body, body_until_close };
  State fail(std::string message);
  State parse_head();
  State start_body(std::string_view rest);
  State parse_chunks();
  State feed_body_until_close(std::size_t count);
  void consume_raw(std::size_t count);  // drops raw_'s first `count` used bytes

  std::size_t max_body_;
  Phase phase_ = Phase::head;
  State state_ = State::need_more;
  bool started_ = false;
  bool keep_alive_ = true;
  std::string error_;
  // Head bytes, then (chunked only) undecoded chunk bytes: the first raw_used_ of raw_, whose
  // size only grows, so it is zero-filled once per process and not once per response.
  std::string raw_;
  std::size_t raw_used_ = 0;
  std::size_t scanned_ = 0;  // raw_ bytes already searched for the end of the head
  std::size_t body_filled_ = 0;
  std::size_t chunk_left_ = 0;  // data bytes of the current chunk still to come
  bool in_chunk_ = false;       // between a chunk's size line and its data's CRLF
  http::Response response_;
};

}  // namespace streamcache::lambda::detail
