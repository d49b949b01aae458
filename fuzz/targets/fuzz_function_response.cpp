// The local gateway's reader of a function's response (payload format 2.0, what
// gateway_response_for calls for every successful invocation): any payload gives a response the
// gateway can put on the wire (a status code HTTP allows, header names that are tokens, values
// without CR, LF or NUL) or an error (a 502), never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "local/http_api_event.h"

using namespace streamcache;

namespace {

bool is_token(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_field_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto response = local::response_from_function(payload);
  if (!response) {
    FUZZ_CHECK(!response.error().empty(), payload);
    return 0;
  }
  FUZZ_CHECK(response->status >= 100 && response->status <= 599, payload);
  for (const auto& [name, value] : response->headers) {
    FUZZ_CHECK(is_token(name), name);
    FUZZ_CHECK(is_field_value(value), value);
  }
  return 0;
}
