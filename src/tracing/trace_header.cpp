#include "tracing/trace_header.h"

#include <array>

#include "common/random.h"

namespace streamcache::tracing {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool all_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

void append_random_hex(std::string& out, std::size_t digits) {
  std::array<std::uint8_t, 16> bytes{};
  fill_random(std::span(bytes.data(), digits / 2));
  for (std::size_t k = 0; k < digits / 2; ++k) {
    out.push_back(kHex[bytes[k] >> 4]);
    out.push_back(kHex[bytes[k] & 0xF]);
  }
}

}  // namespace

TraceHeader parse_trace_header(std::string_view text) {
  TraceHeader header;
  while (!text.empty()) {
    const auto end = text.find(';');
    const std::string_view field = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const auto equals = field.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = field.substr(0, equals);
    const std::string_view value = field.substr(equals + 1);
    if (key == "Root") {
      header.root = value;
    } else if (key == "Parent") {
      header.parent = value;
    } else if (key == "Sampled") {
      header.sampled = value == "1";
    }
  }
  return header;
}

bool is_segment_id(std::string_view id) {
  return id.size() == 16 && all_hex(id);
}

bool is_trace_id(std::string_view id) {
  return id.size() == 35 && id.substr(0, 2) == "1-" && id[10] == '-' && all_hex(id.substr(2, 8)) &&
         all_hex(id.substr(11));
}

std::string new_segment_id() {
  std::string id;
  id.reserve(16);
  append_random_hex(id, 16);
  return id;
}

std::string new_trace_id(std::chrono::system_clock::time_point now) {
  const auto seconds = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  std::string id = "1-";
  for (int shift = 28; shift >= 0; shift -= 4)
    id.push_back(kHex[(seconds >> shift) & 0xF]);
  id.push_back('-');
  append_random_hex(id, 24);
  return id;
}

std::string format_trace_header(std::string_view root, std::string_view parent, bool sampled) {
  std::string out = "Root=";
  out += root;
  if (!parent.empty()) {
    out += ";Parent=";
    out += parent;
  }
  out += sampled ? ";Sampled=1" : ";Sampled=0";
  return out;
}

}  // namespace streamcache::tracing
