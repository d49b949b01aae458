// The DynamoDB Streams event reader and the stream planner: no batch crashes either planner; the
// SAX planner gives the very plan (or error) the DOM planner gives; the typed event reader accepts
// round-trips what it reads, and a plan applies to an in-memory cache without surprises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "items/fakes.h"
#include "items/stream.h"
#include "items/stream_dom.h"
#include "lambda/events/dynamodb.h"

using namespace streamcache;
using items::StreamOp;
using items::StreamPlan;

namespace {

const items::StreamPlanOptions kOptions{.now_us = 1'700'000'100'000'000,
                                        .max_apply_age = std::chrono::seconds(50)};

void check_same(const StreamPlan& dom, const StreamPlan& sax, std::string_view event) {
  FUZZ_CHECK(dom.sequence_numbers == sax.sequence_numbers, event);
  FUZZ_CHECK(dom.skipped == sax.skipped, event);
  FUZZ_CHECK(dom.newest_creation_time == sax.newest_creation_time, event);
  FUZZ_CHECK(dom.skips == sax.skips, event);
  FUZZ_CHECK(dom.ops.size() == sax.ops.size(), event);
  for (std::size_t i = 0; i < dom.ops.size(); ++i) {
    const StreamOp& a = dom.ops[i];
    const StreamOp& b = sax.ops[i];
    FUZZ_CHECK(a.kind == b.kind && a.id == b.id && a.version == b.version && a.record == b.record,
               event);
    FUZZ_CHECK(a.body == b.body, a.body + " != " + b.body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view event(reinterpret_cast<const char*>(data), size);
  auto dom = items::detail::plan_stream_batch_dom(event, kOptions);
  auto sax = items::plan_stream_batch(event, kOptions);
  FUZZ_CHECK(dom.has_value() == sax.has_value(), dom ? sax.error() : dom.error());
  if (!dom) {
    FUZZ_CHECK(dom.error() == sax.error(), dom.error() + " != " + sax.error());
  } else {
    check_same(*dom, *sax, event);
  }

  // The typed reader (what the local stack and redrive use) never crashes either.
  if (auto typed = lambda::events::parse_dynamodb_event(event)) {
    for (const auto& record : typed->records)
      (void)items::plan_record(record, kOptions);
    auto back = lambda::events::read_dynamodb_event(lambda::events::to_json(*typed));
    FUZZ_CHECK(back.has_value() && *back == *typed, "the typed event does not round-trip");
  }
  if (!sax) return 0;
  FUZZ_CHECK(sax->sequence_numbers.size() >= static_cast<std::size_t>(sax->skipped), event);
  items::testing::FakeCache cache;
  const auto outcome = items::apply_stream_plan(*sax, cache);
  FUZZ_CHECK(outcome.failed == 0 && outcome.permanent == 0, event);
  return 0;
}
