#include "json/json.h"

#include <algorithm>
#include <charconv>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "common/json_string.h"
#include "common/utf8.h"

namespace streamcache::json {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& member : as_object()) {
    if (member.name == key) return &member.value;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(std::as_const(*this).find(key));  // NOLINT: same object
}

std::optional<std::string_view> Value::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->as_string());
}

std::optional<std::int64_t> Value::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return to_int64(v->as_number());
}

std::optional<bool> Value::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->as_bool();
}

Value& Value::set(std::string_view key, Value value) {
  auto& object = as_object();
  for (auto& member : object) {
    if (member.name == key) {
      member.value = std::move(value);
      return member.value;
    }
  }
  object.push_back(Member{std::string(key), std::move(value)});
  return object.back().value;
}

bool Value::erase(std::string_view key) {
  auto& object = as_object();
  auto it =
      std::find_if(object.begin(), object.end(), [&](const Member& m) { return m.name == key; });
  if (it == object.end()) return false;
  object.erase(it);
  return true;
}

bool Value::operator==(const Value& other) const {
  return v_ == other.v_;
}

namespace {

// Builds a Value tree from RapidJSON SAX events; containers under construction live on a stack.
class TreeBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
 public:
  explicit TreeBuilder(bool check_strings) : check_strings_(check_strings) {}
  bool Null() { return add(Value()); }
  bool Bool(bool b) { return add(Value(b)); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    return add(Value(Number{std::string(str, length)}));
  }
  bool String(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    if (!valid({str, length})) return false;
    return add(Value(std::string(str, length)));
  }
  bool StartObject() { return open(Value(Object{})); }
  bool Key(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    if (!valid({str, length})) return false;
    stack_.back().key.assign(str, length);
    return true;
  }
  bool EndObject(rapidjson::SizeType /*count*/) { return close(); }
  bool StartArray() { return open(Value(Array{})); }
  bool EndArray(rapidjson::SizeType /*count*/) { return close(); }
  // Numbers arrive as RawNumber (kParseNumbersAsStringsFlag); these are never called.
  bool Default() { return false; }

  Value take_root() { return std::move(root_); }
  [[nodiscard]] bool too_deep() const { return too_deep_; }
  [[nodiscard]] bool bad_string() const { return bad_string_; }

 private:
  struct Frame {
    Value container;
    std::string key;
  };

  bool add(Value value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return true;
    }
    Frame& top = stack_.back();
    if (top.container.is_array()) {
      top.container.as_array().push_back(std::move(value));
    } else {
      top.container.as_object().push_back(Member{std::move(top.key), std::move(value)});
    }
    return true;
  }
  // Decoded text, not raw input: RapidJSON turns a lone surrogate escape ("\\udc00") into bytes
  // that are not UTF-8, and without its per-character validation it copies raw bytes as they are.
  bool valid(std::string_view decoded) {
    bad_string_ = check_strings_ && !is_valid_utf8(decoded);
    return !bad_string_;
  }
  bool open(Value container) {
    if (stack_.size() >= kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    stack_.push_back(Frame{std::move(container), {}});
    return true;
  }
  bool close() {
    Value done = std::move(stack_.back().container);
    stack_.pop_back();
    return add(std::move(done));
  }

  std::vector<Frame> stack_;
  Value root_;
  bool check_strings_;
  bool too_deep_ = false;
  bool bad_string_ = false;
};

// Only non-ASCII bytes or \u escapes can decode to something that is not UTF-8; a text with
// neither (the common case) needs no string checked.
bool may_decode_to_invalid_utf8(std::string_view text) {
  return text.find("\\u") != std::string_view::npos || ascii_prefix_length(text) != text.size();
}

}  // namespace

std::string_view type_name(Type type) {
  switch (type) {
    case Type::null:
      return "null";
    case Type::boolean:
      return "a boolean";
    case Type::number:
      return "a number";
    case Type::string:
      return "a string";
    case Type::array:
      return "an array";
    case Type::object:
      return "an object";
  }
  return "a value";
}

Expected<Value, ParseError> parse(std::string_view text) {
  // UTF-8 is checked on each decoded string (TreeBuilder::valid), word at a time: cheaper than
  // RapidJSON's per-character kParseValidateEncodingFlag, and it also catches surrogate escapes.
  constexpr unsigned kFlags =
      rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  TreeBuilder builder(may_decode_to_invalid_utf8(text));
  rapidjson::ParseResult result = reader.Parse<kFlags>(stream, builder);
  if (result.IsError()) {
    std::string message =
        builder.too_deep()     ? "nesting deeper than " + std::to_string(kMaxDepth) + " levels"
        : builder.bad_string() ? std::string(
                                     "a string is not valid UTF-8 (raw bytes or a lone "
                                     "surrogate escape)")
                               : rapidjson::GetParseError_En(result.Code());
    if (!message.empty() && message.back() == '.') message.pop_back();
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    return unexpected(
        ParseError{message + " at offset " + std::to_string(result.Offset()), result.Offset()});
  }
  return builder.take_root();
}

void append_quoted(std::string& out, std::string_view text) {
  append_json_string(out, text);
}

void serialize_to(const Value& value, std::string& out) {
  switch (value.type()) {
    case Type::null:
      out += "null";
      break;
    case Type::boolean:
      out += value.as_bool() ? "true" : "false";
      break;
    case Type::number:
      out += value.as_number().text;
      break;
    case Type::string:
      append_quoted(out, value.as_string());
      break;
    case Type::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        serialize_to(element, out);
      }
      out.push_back(']');
      break;
    }
    case Type::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& member : value.as_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_quoted(out, member.name);
        out.push_back(':');
        serialize_to(member.value, out);
      }
      out.push_back('}');
      break;
    }
  }
}

std::string serialize(const Value& value) {
  std::string out;
  serialize_to(value, out);
  return out;
}

bool is_number_text(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto digit = [&](std::size_t at) { return at < n && text[at] >= '0' && text[at] <= '9'; };
  if (i < n && text[i] == '-') ++i;
  if (!digit(i)) return false;
  if (text[i] == '0') {
    ++i;
  } else {
    while (digit(i))
      ++i;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i))
      ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i))
      ++i;
  }
  return i == n;
}

std::optional<std::int64_t> to_int64(const Number& number) {
  std::int64_t out = 0;
  const char* begin = number.text.data();
  const char* end = begin + number.text.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return out;
}

}  // namespace streamcache::json
