#include "aws/attribute_value.h"

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_set>

namespace streamcache::aws {

std::string_view AttributeValue::type_name() const {
  static constexpr std::array<std::string_view, 10> kNames = {"S", "N", "B",  "BOOL", "NULL",
                                                              "M", "L", "SS", "NS",   "BS"};
  return kNames[v_.index()];
}

bool AttributeValue::operator==(const AttributeValue& other) const {
  return v_ == other.v_;
}

const AttributeValue* find(const AttributeMap& map, std::string_view name) {
  for (const auto& a : map) {
    if (a.name == name) return &a.value;
  }
  return nullptr;
}

const std::string* find_string(const AttributeMap& map, std::string_view name) {
  const AttributeValue* v = find(map, name);
  return v != nullptr ? v->get_if<std::string>() : nullptr;
}

const std::string* find_number(const AttributeMap& map, std::string_view name) {
  const AttributeValue* v = find(map, name);
  if (v == nullptr) return nullptr;
  const auto* n = v->get_if<NumberValue>();
  return n != nullptr ? &n->text : nullptr;
}

// ---- numbers -------------------------------------------------------------------------------

namespace {

// One pass over a number's text, shared by validate_number and canonical_number. Accepted forms:
// [+-] digits [. digits] [(e|E) [+-] digits], where either side of the point may be empty but not
// both. Nothing is copied: the digits stay views into the text.
struct ParsedNumber {
  bool negative = false;
  std::string_view before;  // digits written before the point
  std::string_view after;   // digits written after the point
  // The first and last non-zero digit, as indexes into the digit sequence before+after; first is
  // npos for a zero.
  std::size_t first = std::string_view::npos;
  std::size_t last = 0;
  // Power of ten of the first non-zero digit; undefined for a zero.
  long long power = 0;
  [[nodiscard]] bool is_zero() const { return first == std::string_view::npos; }
  [[nodiscard]] std::size_t significant_digits() const { return is_zero() ? 0 : last - first + 1; }
};

constexpr long long kMaxPower = 125;   // 9.9999999999999999999999999999999999999E+125
constexpr long long kMinPower = -130;  // 1E-130
constexpr std::size_t kMaxSignificantDigits = 38;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

Expected<ParsedNumber, std::string> parse_number(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string message;
    message.reserve(text.size() + why.size() + 20);
    message.append("invalid number '").append(text).append("': ").append(why);
    return unexpected(std::move(message));
  };
  ParsedNumber p;
  const std::size_t n = text.size();
  std::size_t i = 0;
  if (i < n && (text[i] == '-' || text[i] == '+')) p.negative = text[i++] == '-';
  // Digits on both sides of the point, noting the first and last non-zero one on the way.
  std::size_t index = 0;  // position in the digit sequence before+after
  auto scan_digits = [&]() {
    const std::size_t begin = i;
    for (; i < n && is_digit(text[i]); ++i, ++index) {
      if (text[i] != '0') {
        if (p.first == std::string_view::npos) p.first = index;
        p.last = index;
      }
    }
    return text.substr(begin, i - begin);
  };
  p.before = scan_digits();
  if (i < n && text[i] == '.') {
    ++i;
    p.after = scan_digits();
  }
  if (p.before.empty() && p.after.empty()) return bad("no digits");
  // The exponent: an optional sign, then digits to the end of the text. Values beyond a long are
  // malformed (as std::from_chars<long> had them); the rest is clamped, which changes no verdict:
  // no text is long enough for its digits to offset an exponent of 2^53.
  long long exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) negative_exponent = text[i++] == '-';
    if (i == n) return bad("malformed exponent");
    constexpr unsigned long long kLongMax = std::numeric_limits<long>::max();
    const unsigned long long limit = negative_exponent ? kLongMax + 1 : kLongMax;
    unsigned long long value = 0;
    for (; i < n; ++i) {
      const char c = text[i];
      if (!is_digit(c)) return bad("malformed exponent");
      const auto d = static_cast<unsigned>(c - '0');
      if (value > (limit - d) / 10) return bad("malformed exponent");
      value = value * 10 + d;
    }
    constexpr unsigned long long kClamp = 1ULL << 53;
    const auto magnitude = static_cast<long long>(std::min(value, kClamp));
    exponent = negative_exponent ? -magnitude : magnitude;
  }
  if (i != n) return bad("unexpected character '" + std::string(1, text[i]) + "'");
  const auto before_size = static_cast<long long>(p.before.size());
  if (p.is_zero()) {
    // A zero has no magnitude, but DynamoDB refuses one written far outside its range ("0e1000"):
    // refused when none of its written digits is in range, i.e. its first written digit is below
    // 1E-130 or its last above 1E+125. Leading zeros of "000" or "0.000" alone never refuse it.
    const long long first_digit_power = before_size - 1 + exponent;
    const long long last_digit_power = exponent - static_cast<long long>(p.after.size());
    if (first_digit_power < kMinPower || last_digit_power > kMaxPower)
      return bad("zero with an exponent outside DynamoDB's range (E-130 .. E+125)");
    return p;
  }
  if (p.significant_digits() > kMaxSignificantDigits) return bad("more than 38 significant digits");
  p.power = before_size - static_cast<long long>(p.first) - 1 + exponent;
  if (p.power > kMaxPower)
    return bad("magnitude above 9.9999999999999999999999999999999999999E+125");
  if (p.power < kMinPower) return bad("magnitude below 1E-130");
  return p;
}

}  // namespace

Expected<void, std::string> validate_number(std::string_view text) {
  auto parsed = parse_number(text);
  if (!parsed) return unexpected(std::move(parsed).error());
  return {};
}

Expected<std::string, std::string> canonical_number(std::string_view text) {
  auto parsed = parse_number(text);
  if (!parsed) return unexpected(std::move(parsed).error());
  const ParsedNumber& p = *parsed;
  if (p.is_zero()) return std::string("0");
  // k significant digits d1..dk, d1 at power p.power (within [-130, 125], so sizes are small).
  const auto k = static_cast<long long>(p.significant_digits());
  const long long power = p.power;
  std::size_t size = p.negative ? 1 : 0;
  if (power < 0) {
    size += static_cast<std::size_t>(2 + (-power - 1) + k);  // "0." zeros digits
  } else if (power + 1 >= k) {
    size += static_cast<std::size_t>(power + 1);  // digits then zeros
  } else {
    size += static_cast<std::size_t>(k + 1);  // digits with a point inside
  }
  std::string out;
  out.reserve(size);
  if (p.negative) out.push_back('-');
  auto append_digits = [&](long long from, long long to) {  // significant digits [from, to)
    const std::size_t begin = p.first + static_cast<std::size_t>(from);
    const std::size_t end = p.first + static_cast<std::size_t>(to);
    const std::size_t split = p.before.size();  // the point, in the digit sequence
    if (begin < split) out.append(p.before.substr(begin, std::min(end, split) - begin));
    if (end > split) {
      const std::size_t from_after = std::max(begin, split);
      out.append(p.after.substr(from_after - split, end - from_after));
    }
  };
  if (power < 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-power - 1), '0');
    append_digits(0, k);
  } else if (power + 1 >= k) {
    append_digits(0, k);
    out.append(static_cast<std::size_t>(power + 1 - k), '0');
  } else {
    append_digits(0, power + 1);
    out.push_back('.');
    append_digits(power + 1, k);
  }
  return out;
}

// ---- base64 --------------------------------------------------------------------------------

namespace {
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> make_decode_table() {
  std::array<signed char, 256> table{};
  for (auto& t : table)
    t = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<signed char>(i);
  return table;
}
constexpr auto kBase64Decode = make_decode_table();
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());  // NOLINT: byte view
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  if (i < bytes.size()) {
    unsigned v = p[i] << 16;
    if (i + 1 < bytes.size()) v |= p[i + 1] << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Expected<std::string, std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return unexpected(std::string("base64 length is not a multiple of 4"));
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int quad[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        quad[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return unexpected(std::string("base64 padding in the middle"));
      quad[k] = kBase64Decode[static_cast<unsigned char>(c)];
      if (quad[k] < 0)
        return unexpected("invalid base64 character at offset " + std::to_string(i + k));
    }
    const unsigned v = (quad[0] << 18) | (quad[1] << 12) | (quad[2] << 6) | quad[3];
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
  }
  return out;
}

// ---- DynamoDB JSON -------------------------------------------------------------------------

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

json::Array strings_to_array(const std::vector<std::string>& values, bool as_numbers) {
  json::Array out;
  out.reserve(values.size());
  for (const auto& v : values)
    out.push_back(as_numbers ? json::Value(json::Number{v}) : json::Value(v));
  return out;
}

std::string child_path(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}
std::string index_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

Expected<AttributeValue, std::string> decode_wire(const json::Value& wire, const std::string& path);

Expected<AttributeMap, std::string> decode_wire_map(const json::Value& wire,
                                                    const std::string& path) {
  if (!wire.is_object())
    return unexpected((path.empty() ? std::string("item") : path) + ": expected an object");
  AttributeMap out;
  out.reserve(wire.as_object().size());
  for (const auto& member : wire.as_object()) {
    auto value = decode_wire(member.value, child_path(path, member.name));
    if (!value) return unexpected(std::move(value).error());
    out.push_back(Attribute{member.name, std::move(*value)});
  }
  return out;
}

Expected<std::vector<std::string>, std::string> decode_set(const json::Value& v,
                                                           const std::string& path,
                                                           std::string_view type) {
  if (!v.is_array()) return unexpected(path + ": " + std::string(type) + " must be an array");
  if (v.as_array().empty())
    return unexpected(path + ": " + std::string(type) + " must not be empty");
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& e : v.as_array()) {
    if (!e.is_string())
      return unexpected(path + ": " + std::string(type) + " members must be strings");
    if (!seen.insert(e.as_string()).second) {
      return unexpected(path + ": duplicate member '" + e.as_string() + "' in " +
                        std::string(type));
    }
    out.push_back(e.as_string());
  }
  return out;
}

Expected<AttributeValue, std::string> decode_wire(const json::Value& wire,
                                                  const std::string& path) {
  if (!wire.is_object() || wire.as_object().size() != 1) {
    return unexpected(path + ": expected an AttributeValue object with exactly one type key");
  }
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  const json::Member& member = wire.as_object().front();
  const std::string& type = member.name;
  const json::Value& v = member.value;
  auto need_string = [&]() -> Expected<void, std::string> {
    if (!v.is_string()) return unexpected(path + ": " + type + " must be a string");
    return {};
  };
  if (type == "S") {
    if (auto ok = need_string(); !ok) return unexpected(ok.error());
    return AttributeValue(v.as_string());
  }
  if (type == "N") {
    if (auto ok = need_string(); !ok) return unexpected(ok.error());
    if (auto ok = validate_number(v.as_string()); !ok) return unexpected(path + ": " + ok.error());
    return AttributeValue(NumberValue{v.as_string()});
  }
  if (type == "B") {
    if (auto ok = need_string(); !ok) return unexpected(ok.error());
    auto bytes = base64_decode(v.as_string());
    if (!bytes) return unexpected(path + ": " + bytes.error());
    return AttributeValue(BinaryValue{std::move(*bytes)});
  }
  if (type == "BOOL") {
    if (!v.is_bool()) return unexpected(path + ": BOOL must be true or false");
    return AttributeValue(v.as_bool());
  }
  if (type == "NULL") {
    if (!v.is_bool() || !v.as_bool()) return unexpected(path + ": NULL must be true");
    return AttributeValue(NullValue{});
  }
  if (type == "M") {
    auto map = decode_wire_map(v, path);
    if (!map) return unexpected(std::move(map).error());
    return AttributeValue(std::move(*map));
  }
  if (type == "L") {
    if (!v.is_array()) return unexpected(path + ": L must be an array");
    std::vector<AttributeValue> list;
    list.reserve(v.as_array().size());
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      auto element = decode_wire(v.as_array()[i], index_path(path, i));
      if (!element) return unexpected(std::move(element).error());
      list.push_back(std::move(*element));
    }
    return AttributeValue(std::move(list));
  }
  if (type == "SS" || type == "NS" || type == "BS") {
    auto members = decode_set(v, path, type);
    if (!members) return unexpected(std::move(members).error());
    if (type == "SS") return AttributeValue(StringSet(std::move(*members)));
    if (type == "NS") {
      for (const auto& m : *members) {
        if (auto ok = validate_number(m); !ok) return unexpected(path + ": " + ok.error());
      }
      return AttributeValue(NumberSet{std::move(*members)});
    }
    BinarySet set;
    std::unordered_set<std::string> seen_bytes;
    for (const auto& m : *members) {
      auto bytes = base64_decode(m);
      if (!bytes) return unexpected(path + ": " + bytes.error());
      // Lenient base64 ("AP==" reads as "AA==") lets two texts name one value: judge the bytes.
      if (!seen_bytes.insert(*bytes).second)
        return unexpected(path + ": duplicate member '" + m + "' in BS (same bytes as another)");
      set.bytes.push_back(std::move(*bytes));
    }
    return AttributeValue(std::move(set));
  }
  return unexpected(path + ": unknown AttributeValue type '" + type + "'");
}

}  // namespace

json::Value to_dynamodb_json(const AttributeValue& value) {
  json::Value inner = std::visit(
      Overloaded{
          [](const std::string& s) { return json::Value(s); },
          [](const NumberValue& n) { return json::Value(n.text); },
          [](const BinaryValue& b) { return json::Value(base64_encode(b.bytes)); },
          [](bool b) { return json::Value(b); },
          [](const NullValue&) { return json::Value(true); },
          [](const AttributeMap& m) { return to_dynamodb_json(m); },
          [](const std::vector<AttributeValue>& l) {
            json::Array out;
            out.reserve(l.size());
            for (const auto& e : l)
              out.push_back(to_dynamodb_json(e));
            return json::Value(std::move(out));
          },
          [](const StringSet& ss) { return json::Value(strings_to_array(ss, false)); },
          [](const NumberSet& ns) { return json::Value(strings_to_array(ns.texts, false)); },
          [](const BinarySet& bs) {
            json::Array out;
            for (const auto& b : bs.bytes)
              out.emplace_back(base64_encode(b));
            return json::Value(std::move(out));
          },
      },
      value.storage());
  json::Object wrapper;
  wrapper.push_back(json::Member{std::string(value.type_name()), std::move(inner)});
  return json::Value(std::move(wrapper));
}

json::Value to_dynamodb_json(const AttributeMap& map) {
  json::Object out;
  out.reserve(map.size());
  for (const auto& a : map)
    out.push_back(json::Member{a.name, to_dynamodb_json(a.value)});
  return json::Value(std::move(out));
}

void append_dynamodb_json(const AttributeMap& map, std::string& out) {
  json::serialize_to(to_dynamodb_json(map), out);
}

Expected<AttributeValue, std::string> from_dynamodb_json(const json::Value& wire) {
  return decode_wire(wire, "value");
}

Expected<AttributeMap, std::string> map_from_dynamodb_json(const json::Value& wire) {
  return decode_wire_map(wire, "");
}

// ---- plain JSON ----------------------------------------------------------------------------

json::Value to_plain_json(const AttributeValue& value) {
  return std::visit(
      Overloaded{
          [](const std::string& s) { return json::Value(s); },
          [](const NumberValue& n) { return json::Value(json::Number{n.text}); },
          [](const BinaryValue& b) { return json::Value(base64_encode(b.bytes)); },
          [](bool b) { return json::Value(b); },
          [](const NullValue&) { return json::Value(); },
          [](const AttributeMap& m) { return to_plain_json(m); },
          [](const std::vector<AttributeValue>& l) {
            json::Array out;
            out.reserve(l.size());
            for (const auto& e : l)
              out.push_back(to_plain_json(e));
            return json::Value(std::move(out));
          },
          [](const StringSet& ss) { return json::Value(strings_to_array(ss, false)); },
          [](const NumberSet& ns) { return json::Value(strings_to_array(ns.texts, true)); },
          [](const BinarySet& bs) {
            json::Array out;
            for (const auto& b : bs.bytes)
              out.emplace_back(base64_encode(b));
            return json::Value(std::move(out));
          },
      },
      value.storage());
}

json::Value to_plain_json(const AttributeMap& map) {
  json::Object out;
  out.reserve(map.size());
  for (const auto& a : map)
    out.push_back(json::Member{a.name, to_plain_json(a.value)});
  return json::Value(std::move(out));
}

namespace {

Expected<AttributeValue, std::string> decode_plain(const json::Value& plain,
                                                   const std::string& path);

Expected<AttributeMap, std::string> decode_plain_map(const json::Value& plain,
                                                     const std::string& path) {
  if (!plain.is_object())
    return unexpected((path.empty() ? std::string("document") : path) + ": expected an object");
  AttributeMap out;
  out.reserve(plain.as_object().size());
  std::unordered_set<std::string_view> seen;
  for (const auto& member : plain.as_object()) {
    if (!seen.insert(member.name).second) {
      return unexpected("duplicate key '" + child_path(path, member.name) + "'");
    }
    auto value = decode_plain(member.value, child_path(path, member.name));
    if (!value) return unexpected(std::move(value).error());
    out.push_back(Attribute{member.name, std::move(*value)});
  }
  return out;
}

Expected<AttributeValue, std::string> decode_plain(const json::Value& plain,
                                                   const std::string& path) {
  switch (plain.type()) {
    case json::Type::null:
      return AttributeValue(NullValue{});
    case json::Type::boolean:
      return AttributeValue(plain.as_bool());
    case json::Type::string:
      return AttributeValue(plain.as_string());
    case json::Type::number:
      if (auto ok = validate_number(plain.as_number().text); !ok)
        return unexpected(path + ": " + ok.error());
      return AttributeValue(NumberValue{plain.as_number().text});
    case json::Type::array: {
      std::vector<AttributeValue> list;
      list.reserve(plain.as_array().size());
      for (std::size_t i = 0; i < plain.as_array().size(); ++i) {
        auto element = decode_plain(plain.as_array()[i], index_path(path, i));
        if (!element) return unexpected(std::move(element).error());
        list.push_back(std::move(*element));
      }
      return AttributeValue(std::move(list));
    }
    case json::Type::object: {
      auto map = decode_plain_map(plain, path);
      if (!map) return unexpected(std::move(map).error());
      return AttributeValue(std::move(*map));
    }
  }
  return unexpected(path + ": unsupported JSON value");
}

}  // namespace

Expected<AttributeValue, std::string> from_plain_json(const json::Value& plain) {
  return decode_plain(plain, "value");
}

Expected<AttributeMap, std::string> map_from_plain_json(const json::Value& plain) {
  return decode_plain_map(plain, "");
}

}  // namespace streamcache::aws
