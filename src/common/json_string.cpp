#include "common/json_string.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace streamcache {

namespace {

bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

// The offset of the first byte from `i` on that needs an escape ('"', '\', below 0x20), or the
// size: eight bytes a step. Each "has a byte that..." mask may also flag bytes above a true match,
// never below one, so the lowest flag of the three is exact.
std::size_t next_to_escape(std::string_view text, std::size_t i) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 8 <= text.size(); i += 8) {
      std::uint64_t x = 0;
      std::memcpy(&x, text.data() + i, sizeof x);
      const std::uint64_t quote = x ^ (kOnes * '"');
      const std::uint64_t backslash = x ^ (kOnes * '\\');
      const std::uint64_t found = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                                   ((x - kOnes * 0x20) & ~x)) &
                                  kHigh;
      if (found != 0) return i + static_cast<std::size_t>(std::countr_zero(found) / 8);
    }
  }
  while (i < text.size() && !needs_escape(static_cast<unsigned char>(text[i])))
    ++i;
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = next_to_escape(text, 0); i < text.size();
       i = next_to_escape(text, run_start)) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out.push_back('"');
}

}  // namespace streamcache
