#include "lambda/response_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace streamcache::lambda::detail {

namespace {

constexpr std::size_t kMaxHead = 64 * 1024;  // the Runtime API's heads are a few hundred bytes
constexpr std::size_t kReadChunk = 16 * 1024;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (http::iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void ResponseReader::reset() {
  phase_ = Phase::head;
  state_ = State::need_more;
  started_ = false;
  keep_alive_ = true;
  error_.clear();
  raw_used_ = 0;
  scanned_ = 0;
  body_filled_ = 0;
  chunk_left_ = 0;
  in_chunk_ = false;
  response_ = {};
}

ResponseReader::State ResponseReader::fail(std::string message) {
  error_ = std::move(message);
  keep_alive_ = false;
  return state_ = State::failed;
}

std::span<char> ResponseReader::buffer() {
  if (phase_ == Phase::fixed_body) {
    return {response_.body.data() + body_filled_, response_.body.size() - body_filled_};
  }
  if (phase_ == Phase::body_until_close) {
    if (response_.body.size() == body_filled_) response_.body.resize(body_filled_ + kReadChunk);
    return {response_.body.data() + body_filled_, response_.body.size() - body_filled_};
  }
  if (raw_.size() - raw_used_ < kReadChunk / 4) raw_.resize(std::max(raw_.size() * 2, kReadChunk));
  return {raw_.data() + raw_used_, raw_.size() - raw_used_};
}

void ResponseReader::consume_raw(std::size_t count) {
  std::memmove(raw_.data(), raw_.data() + count, raw_used_ - count);
  raw_used_ -= count;
}

ResponseReader::State ResponseReader::commit(std::size_t count) {
  if (state_ != State::need_more) return state_;
  if (count > 0) started_ = true;
  switch (phase_) {
    case Phase::fixed_body:
      body_filled_ += count;
      if (body_filled_ == response_.body.size()) state_ = State::done;
      return state_;
    case Phase::body_until_close:
      return feed_body_until_close(count);
    case Phase::head:
    case Phase::chunked_body:
      break;
  }
  raw_used_ += count;
  return phase_ == Phase::head ? parse_head() : parse_chunks();
}

ResponseReader::State ResponseReader::feed_body_until_close(std::size_t count) {
  body_filled_ += count;
  if (body_filled_ > max_body_) {
    return fail("the response body is over " + std::to_string(max_body_) + " bytes");
  }
  return state_;
}

ResponseReader::State ResponseReader::end_of_stream() {
  if (state_ != State::need_more) return state_;
  keep_alive_ = false;
  if (phase_ == Phase::body_until_close) {
    response_.body.resize(body_filled_);
    return state_ = State::done;
  }
  return fail(started_ ? "the connection closed mid-response" : "the connection closed");
}

http::Response ResponseReader::take() {
  return std::move(response_);
}

ResponseReader::State ResponseReader::parse_head() {
  const std::string_view raw(raw_.data(), raw_used_);
  const std::size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
  const std::size_t end = raw.find("\r\n\r\n", from);
  if (end == std::string_view::npos) {
    scanned_ = raw.size();
    if (raw.size() > kMaxHead) return fail("the response head is over 64 KiB");
    return state_;
  }
  std::string_view head = raw.substr(0, end + 2);  // every line ends in CRLF
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  head.remove_prefix(line_end + 2);
  // "HTTP/1.1 200 OK": the version, a space, three digits, then a space or nothing.
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return fail("malformed status line '" + std::string(status_line.substr(0, 64)) + "'");
  }
  int status = 0;
  const char* digits = status_line.data() + 9;
  auto [ptr, ec] = std::from_chars(digits, digits + 3, status);
  if (ec != std::errc() || ptr != digits + 3 || status < 100) {
    return fail("malformed status line '" + std::string(status_line.substr(0, 64)) + "'");
  }
  response_.status = status;
  keep_alive_ = status_line[7] == '1';  // HTTP/1.0 closes after the response

  bool chunked = false;
  bool has_length = false;
  std::size_t length = 0;
  while (!head.empty()) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
        line.front() == '\t') {
      return fail("malformed header line '" + std::string(line.substr(0, 64)) + "'");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (http::iequals(name, "content-length")) {
      std::size_t parsed = 0;
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (e != std::errc() || p != value.data() + value.size() || value.empty() ||
          (has_length && parsed != length)) {
        return fail("invalid Content-Length '" + std::string(value.substr(0, 32)) + "'");
      }
      has_length = true;
      length = parsed;
    } else if (http::iequals(name, "transfer-encoding")) {
      const std::size_t last = value.rfind(',');
      if (!http::iequals(trim(last == std::string_view::npos ? value : value.substr(last + 1)),
                         "chunked")) {
        return fail("unsupported Transfer-Encoding '" + std::string(value.substr(0, 32)) + "'");
      }
      chunked = true;
    } else if (http::iequals(name, "connection") && has_token(value, "close")) {
      keep_alive_ = false;
    }
    response_.headers.push_back({std::string(name), std::string(value)});
  }
  if (chunked && has_length) return fail("both Content-Length and Transfer-Encoding are set");

  const std::string_view rest = raw.substr(end + 4);
  if (status < 200 || status == 204 || status == 304) {  // no body by definition
    if (!rest.empty()) keep_alive_ = false;
    raw_used_ = 0;
    return state_ = State::done;
  }
  if (chunked) {
    phase_ = Phase::chunked_body;
    consume_raw(end + 4);
    return parse_chunks();
  }
  if (!has_length) {
    phase_ = Phase::body_until_close;
    keep_alive_ = false;
    response_.body.assign(rest);
    raw_used_ = 0;
    return feed_body_until_close(rest.size());
  }
  if (length > max_body_) {
    return fail("the response body is " + std::to_string(length) + " bytes, over " +
                std::to_string(max_body_));
  }
  phase_ = Phase::fixed_body;
  response_.body.resize(length);
  const std::size_t taken = std::min(length, rest.size());
  std::memcpy(response_.body.data(), rest.data(), taken);
  if (rest.size() > length) keep_alive_ = false;  // bytes nobody asked for: do not reuse
  body_filled_ = taken;
  raw_used_ = 0;
  if (body_filled_ == length) state_ = State::done;
  return state_;
}

ResponseReader::State ResponseReader::parse_chunks() {
  std::string_view raw(raw_.data(), raw_used_);
  std::size_t pos = 0;
  while (state_ == State::need_more) {
    if (in_chunk_) {
      const std::size_t take = std::min(chunk_left_, raw.size() - pos);
      response_.body.append(raw.substr(pos, take));
      pos += take;
      chunk_left_ -= take;
      if (chunk_left_ > 0) break;
      if (raw.size() - pos < 2) break;
      if (raw.substr(pos, 2) != "\r\n") return fail("a chunk does not end in CRLF");
      pos += 2;
      in_chunk_ = false;
      continue;
    }
    const std::size_t line_start = pos;
    const std::size_t eol = raw.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (raw.size() - pos > 4096) return fail("a chunk size line is over 4 KiB");
      break;
    }
    std::string_view line = raw.substr(pos, eol - pos);
    pos = eol + 2;
    line = trim(line.substr(0, line.find(';')));  // chunk extensions are ignored
    std::size_t size = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (line.empty() || ec != std::errc() || ptr != line.data() + line.size()) {
      return fail("invalid chunk size '" + std::string(line.substr(0, 32)) + "'");
    }
    if (size > max_body_ - std::min(max_body_, response_.body.size())) {
      return fail("the response body is over " + std::to_string(max_body_) + " bytes");
    }
    if (size > 0) {
      chunk_left_ = size;
      in_chunk_ = true;
      continue;
    }
    // The last chunk: trailer lines (ignored) up to an empty line.
    for (;;) {
      const std::size_t trailer_end = raw.find("\r\n", pos);
      if (trailer_end == std::string_view::npos) {  // wait, and read the last chunk again
        if (raw.size() - line_start > kMaxHead) return fail("the trailers are over 64 KiB");
        consume_raw(line_start);
        return state_;
      }
      const bool empty = trailer_end == pos;
      pos = trailer_end + 2;
      if (empty) break;
    }
    if (pos != raw.size()) keep_alive_ = false;
    raw_used_ = 0;
    return state_ = State::done;
  }
  consume_raw(pos);
  return state_;
}

}  // namespace streamcache::lambda::detail
