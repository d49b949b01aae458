// json::parse and json::serialize: no input crashes the parser, and whatever it accepts survives
// a round trip (parse -> serialize -> parse gives the same value, and serializing is idempotent).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "json/json.h"

using namespace streamcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = json::parse(text);
  if (!value) {
    FUZZ_CHECK(value.error().offset <= size, value.error().message);
    return 0;
  }
  const std::string once = json::serialize(*value);
  auto again = json::parse(once);
  FUZZ_CHECK(again.has_value(), once);
  FUZZ_CHECK(*again == *value, once);
  FUZZ_CHECK(json::serialize(*again) == once, once);
  // Every number the parser accepts is a number by the grammar check, and integers read back.
  if (value->is_number()) {
    FUZZ_CHECK(json::is_number_text(value->as_number().text), value->as_number().text);
    if (auto n = json::to_int64(value->as_number())) {
      FUZZ_CHECK(json::Value::integer(*n) == json::parse(std::to_string(*n)).value(), once);
    }
  }
  if (value->is_string()) {
    std::string quoted;
    json::append_quoted(quoted, value->as_string());
    FUZZ_CHECK(quoted == once, quoted);
  }
  return 0;
}
