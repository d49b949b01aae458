// UTF-8 validation by RFC 3629: no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF.
// One implementation for JSON parsing, log lines and the local gateway's body encoding.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace streamcache {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid there.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Length of the leading run of ASCII bytes (all of `text` when it is pure ASCII), found eight
// bytes at a time.
std::size_t ascii_prefix_length(std::string_view text);

// Offset of the first byte that does not start a valid sequence; npos when all of it is valid.
// ASCII runs are checked eight bytes at a time, so mostly-ASCII JSON costs little.
std::size_t find_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

// Replaces bytes that are not valid UTF-8 with U+FFFD, so any text makes valid JSON.
std::string to_valid_utf8(std::string_view text);

}  // namespace streamcache
