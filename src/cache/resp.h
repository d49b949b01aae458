// RESP2 without I/O: commands are formatted into bytes and replies parsed from bytes, so both are
// unit-tested without a server. The transport (redis_connection.h) only moves the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/error.h"
#include "common/expected.h"

namespace streamcache::cache {

// Arrays longer than this are refused as a protocol error rather than allocated.
inline constexpr std::size_t kMaxReplyArrayElements = std::size_t{1} << 20;

// One reply, owned.
struct Reply {
  enum class Type : std::uint8_t { nil, status, error, integer, string, array };
  Type type = Type::nil;
  std::string str;              // string, status and error replies
  std::int64_t integer = 0;     // integer replies
  std::vector<Reply> elements;  // array replies

  [[nodiscard]] bool is_error() const { return type == Type::error; }
  [[nodiscard]] bool is_nil() const { return type == Type::nil; }
  // The first word of an error reply ("ERR", "NOSCRIPT", "WRONGPASS"); empty for other types.
  [[nodiscard]] std::string_view error_prefix() const;
};

// Commands as RESP arrays of bulk strings, appended to one buffer that is sent in one write
// (pipelining). clear() keeps the capacity, so a reused buffer does not allocate.
class CommandBuffer {
 public:
  // One whole command.
  void add(std::initializer_list<std::string_view> args);
  // A command built piecewise: begin(n) followed by exactly n arg() calls.
  void begin(std::size_t arg_count);
  void arg(std::string_view value);
  void arg(std::initializer_list<std::string_view> parts);  // one argument from concatenated parts
  void arg(std::int64_t value);                             // as decimal text
  void clear();

  [[nodiscard]] std::size_t commands() const { return commands_; }
  [[nodiscard]] bool empty() const { return commands_ == 0; }
  [[nodiscard]] std::string_view bytes() const { return bytes_; }

 private:
  void append_length(char marker, std::size_t length);
  std::string bytes_;
  std::size_t commands_ = 0;
};

// Incremental reply parser over hiredis' reader: feed() bytes as they arrive, next() replies as
// they complete. Builds Reply values directly (no intermediate redisReply objects).
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(ReplyReader&& other) noexcept;
  ReplyReader& operator=(ReplyReader&& other) noexcept;
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  // Adds bytes received from the server.
  Expected<void, Error> feed(std::string_view bytes);
  // Moves the next complete reply into `out`: true when one was complete, false when more bytes
  // are needed. A protocol error is final until reset().
  Expected<bool, Error> next(Reply& out);
  // Drops buffered bytes and any error: for a new connection.
  void reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace streamcache::cache
