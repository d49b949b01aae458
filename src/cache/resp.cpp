#include "cache/resp.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <new>

#include <hiredis/read.h>

namespace streamcache::cache {

std::string_view Reply::error_prefix() const {
  if (type != Type::error) return {};
  std::string_view text = str;
  return text.substr(0, text.find(' '));
}

void CommandBuffer::append_length(char marker, std::size_t length) {
  std::array<char, 24> digits{};
  digits[0] = marker;
  auto result = std::to_chars(digits.data() + 1, digits.data() + digits.size() - 2, length);
  *result.ptr++ = '\r';
  *result.ptr++ = '\n';
  bytes_.append(digits.data(), result.ptr);
}

void CommandBuffer::add(std::initializer_list<std::string_view> args) {
  begin(args.size());
  for (std::string_view a : args)
    arg(a);
}

void CommandBuffer::begin(std::size_t arg_count) {
  append_length('*', arg_count);
  ++commands_;
}

void CommandBuffer::arg(std::string_view value) {
  append_length('$', value.size());
  bytes_.append(value);
  bytes_.append("\r\n");
}

void CommandBuffer::arg(std::initializer_list<std::string_view> parts) {
  std::size_t total = 0;
  for (std::string_view p : parts)
    total += p.size();
  append_length('$', total);
  for (std::string_view p : parts)
    bytes_.append(p);
  bytes_.append("\r\n");
}

void CommandBuffer::arg(std::int64_t value) {
  std::array<char, 24> digits{};
  auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  arg(std::string_view(digits.data(), static_cast<std::size_t>(result.ptr - digits.data())));
}

void CommandBuffer::clear() {
  bytes_.clear();
  commands_ = 0;
}

namespace {

struct ReaderDeleter {
  void operator()(redisReader* reader) const { redisReaderFree(reader); }
};

}  // namespace

// What an array reply reserves up front; more elements are added as they arrive.
constexpr std::size_t kReservedElements = 64;

// hiredis calls these back with each value as it is parsed; they write straight into `root`
// (top level) or into the parent array's pre-sized elements, so nothing else is allocated.
struct ReplyReader::State {
  State() : reader(redisReaderCreateWithFunctions(&functions)) {
    if (!reader) throw std::bad_alloc();
    reader->privdata = this;
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  static Reply* slot(const redisReadTask* task) {
    if (task->parent != nullptr) {
      // Elements are appended as they arrive, in order, so memory follows the bytes received, not
      // the count a reply declares ("*1048576\r\n" nested 7 deep would be 0.5 GB up front).
      // Growing moves only finished siblings: hiredis holds pointers to unfinished ones only.
      auto& elements = static_cast<Reply*>(task->parent->obj)->elements;
      const auto index = static_cast<std::size_t>(task->idx);
      if (index >= elements.size()) elements.resize(index + 1);
      return &elements[index];
    }
    auto* state = static_cast<State*>(task->privdata);
    state->root = Reply{};
    return &state->root;
  }

  static void* create_string(const redisReadTask* task, char* data, size_t length) {
    try {
      Reply* reply = slot(task);
      reply->type = task->type == REDIS_REPLY_ERROR    ? Reply::Type::error
                    : task->type == REDIS_REPLY_STATUS ? Reply::Type::status
                                                       : Reply::Type::string;
      reply->str.assign(data, length);
      return reply;
    } catch (...) {
      return nullptr;  // hiredis reports "Out of memory"; exceptions must not cross C frames
    }
  }

  static void* create_array(const redisReadTask* task, int elements) {
    try {
      if (elements < 0 || static_cast<std::size_t>(elements) > kMaxReplyArrayElements) {
        return nullptr;
      }
      Reply* reply = slot(task);
      reply->type = Reply::Type::array;
      reply->elements.clear();
      reply->elements.reserve(std::min(static_cast<std::size_t>(elements), kReservedElements));
      return reply;
    } catch (...) {
      return nullptr;
    }
  }

  static void* create_integer(const redisReadTask* task, long long value) {
    try {
      Reply* reply = slot(task);
      reply->type = Reply::Type::integer;
      reply->integer = value;
      return reply;
    } catch (...) {
      return nullptr;
    }
  }

  static void* create_nil(const redisReadTask* task) {
    try {
      Reply* reply = slot(task);
      reply->type = Reply::Type::nil;
      return reply;
    } catch (...) {
      return nullptr;
    }
  }

  // Values live in `root`, owned by this State: nothing to free.
  static void free_object(void* /*object*/) {}

  redisReplyObjectFunctions functions{&create_string, &create_array, &create_integer, &create_nil,
                                      &free_object};
  Reply root;
  std::unique_ptr<redisReader, ReaderDeleter> reader;
};

ReplyReader::ReplyReader() : state_(std::make_unique<State>()) {}
ReplyReader::~ReplyReader() = default;
ReplyReader::ReplyReader(ReplyReader&& other) noexcept = default;
ReplyReader& ReplyReader::operator=(ReplyReader&& other) noexcept = default;

namespace {

Unexpected<Error> reader_error(const redisReader& reader) {
  std::string detail = reader.errstr[0] != '\0' ? reader.errstr : "unknown reader error";
  if (reader.err == REDIS_ERR_OOM) detail = "reply too large (array over the element limit)";
  return unexpected(Error{ErrorCode::protocol, "invalid reply from the server: " + detail});
}

}  // namespace

Expected<void, Error> ReplyReader::feed(std::string_view bytes) {
  if (!state_) state_ = std::make_unique<State>();
  if (redisReaderFeed(state_->reader.get(), bytes.data(), bytes.size()) != REDIS_OK) {
    return reader_error(*state_->reader);
  }
  return {};
}

Expected<bool, Error> ReplyReader::next(Reply& out) {
  if (!state_) state_ = std::make_unique<State>();
  void* reply = nullptr;
  if (redisReaderGetReply(state_->reader.get(), &reply) != REDIS_OK) {
    return reader_error(*state_->reader);
  }
  if (reply == nullptr) return false;
  out = std::move(state_->root);
  state_->root = Reply{};
  return true;
}

void ReplyReader::reset() {
  state_ = std::make_unique<State>();
}

}  // namespace streamcache::cache
