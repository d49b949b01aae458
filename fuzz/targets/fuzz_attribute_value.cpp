// AttributeValue <-> JSON: DynamoDB JSON and plain JSON decoders never crash; what they accept
// round-trips (wire -> attribute -> wire -> attribute, plain -> attribute -> plain), and the number
// rules agree with themselves (validate == canonical's verdict, canonical text is a fixed point).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/attribute_value.h"
#include "fuzz_check.h"
#include "json/json.h"

using namespace streamcache;

namespace {

void check_number(std::string_view text) {
  auto valid = aws::validate_number(text);
  auto canonical = aws::canonical_number(text);
  FUZZ_CHECK(valid.has_value() == canonical.has_value(), text);
  if (!canonical) {
    FUZZ_CHECK(valid.error() == canonical.error(), canonical.error());
    return;
  }
  FUZZ_CHECK(json::is_number_text(*canonical), *canonical);
  auto twice = aws::canonical_number(*canonical);
  FUZZ_CHECK(twice.has_value() && *twice == *canonical, *canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_number(text);
  FUZZ_CHECK(aws::base64_decode(aws::base64_encode(text)).value() == text, text);
  if (auto decoded = aws::base64_decode(text)) {
    FUZZ_CHECK(aws::base64_decode(aws::base64_encode(*decoded)).value() == *decoded, text);
  }

  auto value = json::parse(text);
  if (!value) return 0;
  if (auto wire = aws::from_dynamodb_json(*value)) {
    const json::Value encoded = aws::to_dynamodb_json(*wire);
    // Whatever is read is written back readable as the same value; lenient base64 ("QR==") is
    // written canonically ("QQ=="), so a BS whose texts name one value must have been refused
    // (regress-noncanonical-base64-set).
    auto back = aws::from_dynamodb_json(encoded);
    FUZZ_CHECK(back.has_value() && *back == *wire, json::serialize(encoded));
    // Plain JSON is lossless for what plain JSON produces, so attribute -> plain never fails.
    (void)aws::to_plain_json(*wire);
  }
  if (auto map = aws::map_from_dynamodb_json(*value)) {
    std::string appended;
    aws::append_dynamodb_json(*map, appended);
    FUZZ_CHECK(appended == json::serialize(aws::to_dynamodb_json(*map)), appended);
  }
  if (auto plain = aws::from_plain_json(*value)) {
    const json::Value shown = aws::to_plain_json(*plain);
    FUZZ_CHECK(shown == *value, json::serialize(shown));
    if (const auto* number = plain->get_if<aws::NumberValue>()) check_number(number->text);
  }
  return 0;
}
