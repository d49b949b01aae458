#include "aws/auth/raw_request.h"

#include <string>

namespace streamcache::aws::testing {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  return text;
}

}  // namespace

Expected<RawRequest, std::string> parse_raw_request(std::string_view input) {
  std::string text;
  text.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '\r' && i + 1 < input.size() && input[i + 1] == '\n') continue;
    text.push_back(input[i]);
  }
  RawRequest raw;
  const std::size_t blank_line = text.find("\n\n");
  std::string_view head = text;
  if (blank_line != std::string::npos) {
    head = std::string_view(text).substr(0, blank_line + 1);
    raw.request.body = text.substr(blank_line + 2);
  }
  raw.head = std::string(head);
  if (!raw.head.empty() && raw.head.back() != '\n') raw.head.push_back('\n');

  std::size_t pos = 0;
  bool first = true;
  while (pos < head.size()) {
    std::size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    if (first) {
      first = false;
      const std::size_t method_end = line.find(' ');
      const std::size_t version_begin = line.rfind(' ');
      if (method_end == std::string_view::npos || method_end == version_begin) {
        return unexpected("bad request line: " + std::string(line));
      }
      raw.request.method = std::string(line.substr(0, method_end));
      raw.request.target = std::string(line.substr(method_end + 1, version_begin - method_end - 1));
      continue;
    }
    if (line.empty()) continue;
    if (is_blank(line.front())) {
      // obs-fold (RFC 7230 3.2.4): the continuation joins the previous value after one space.
      if (raw.request.headers.empty()) return unexpected(std::string("continuation before header"));
      raw.request.headers.back().value.append(" ").append(trim_left(line));
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return unexpected("bad header line: " + std::string(line));
    }
    raw.request.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  if (first) return unexpected(std::string("empty request"));
  return raw;
}

}  // namespace streamcache::aws::testing
